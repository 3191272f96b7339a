// The module entry of rnn_cuda.node. Loading it needs nothing but libc and libdl: libcuda, NVRTC
// and cuBLAS are opened later, by `loadLibrary`, when a backend is probed or created.
#include <new>

#include "addon.h"

// GCC 11+ emits calls to this libstdc++ 3.4.29 function for `new T[n]`; defining it here (hidden)
// keeps the addon loadable with older libstdc++ (GLIBCXX_3.4.21, GCC 5) as well.
namespace std {
[[noreturn]] __attribute__((visibility("hidden"))) void __throw_bad_array_new_length() {
  throw std::bad_array_new_length();
}
}  // namespace std

namespace rnncuda {

/** Bumped when the JavaScript side must change with the exports (checked by src/runtime/addon.ts). */
constexpr int ADDON_ABI = 1;

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("abi", Napi::Number::New(env, ADDON_ABI));
  initLibraries(env, exports);
  initContexts(env, exports);
  initCompile(env, exports);
  return exports;
}

}  // namespace rnncuda

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return rnncuda::Init(env, exports); }

NODE_API_MODULE(rnn_cuda, InitModule)

// Shared declarations of the addon's parts: the loaded libraries (libraries.cc), the device
// contexts (context.cc), kernel compilation (compile.cc) and the module entry (addon.cc).
#pragma once

#define NAPI_VERSION 8
#include <napi.h>

#include <string>

#include "cuda_api.h"

namespace rnncuda {

/** The three libraries, loaded at first use by `loadLibrary`; null members until then. */
struct Libraries {
  void *driverHandle = nullptr;
  void *nvrtcHandle = nullptr;
  void *cublasHandle = nullptr;
  std::string driverPath, nvrtcPath, cublasPath;
  cu::Driver driver;
  cu::Nvrtc nvrtc;
  cu::Cublas cublas;
};

Libraries &libs();

/** "CUDA_ERROR_OUT_OF_MEMORY" for a driver status (the number when the driver cannot name it). */
std::string driverErrorName(cu::CUresult code);

/** Throws a JS Error `"<what>: <NAME> (<description>)"` with `code` set to the status name. */
[[noreturn]] void throwDriverError(Napi::Env env, const char *what, cu::CUresult code);

/** Checks a driver call; throws (as above) unless it returned CUDA_SUCCESS. */
inline void check(Napi::Env env, const char *what, cu::CUresult code) {
  if (code != cu::CUDA_SUCCESS) throwDriverError(env, what, code);
}

/** A device pointer as a JS number (device addresses are below 2^53 on every supported platform). */
Napi::Value pointerValue(Napi::Env env, unsigned long long ptr);
/** A JS number as a device pointer; throws when it is not a non-negative integer below 2^53. */
unsigned long long pointerArg(const Napi::Value &v, const char *what);

/** Non-negative integer argument (a size or count); throws a TypeError otherwise. */
size_t sizeArg(const Napi::Value &v, const char *what);

void initLibraries(Napi::Env env, Napi::Object exports);
void initContexts(Napi::Env env, Napi::Object exports);
void initCompile(Napi::Env env, Napi::Object exports);

/** Whether any device context is alive (the libraries may not be unloaded then). */
bool anyContextAlive();

}  // namespace rnncuda

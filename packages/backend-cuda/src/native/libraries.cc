// Loading libcuda / NVRTC / cuBLAS with dlopen, and what the probe asks the driver: its version,
// the devices and their compute capability. Which files to try is decided in JavaScript
// (src/runtime/library-search.ts); this file only tries them in order and resolves every symbol.
#include <dlfcn.h>

// Bind to the oldest versions of the dl* functions (glibc 2.34 moved them into libc under new
// versions), so the prebuilt addon loads on glibc 2.17+ as well as on the build machine's glibc.
__asm__(".symver dlopen,dlopen@GLIBC_2.2.5");
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");
__asm__(".symver dlclose,dlclose@GLIBC_2.2.5");
__asm__(".symver dlerror,dlerror@GLIBC_2.2.5");

#include <cmath>
#include <vector>

#include "addon.h"

namespace rnncuda {

Libraries &libs() {
  static Libraries instance;
  return instance;
}

std::string driverErrorName(cu::CUresult code) {
  const char *name = nullptr;
  auto &d = libs().driver;
  if (d.cuGetErrorName && d.cuGetErrorName(code, &name) == cu::CUDA_SUCCESS && name) return name;
  return "CUDA error " + std::to_string(code);
}

void throwDriverError(Napi::Env env, const char *what, cu::CUresult code) {
  const char *desc = nullptr;
  auto &d = libs().driver;
  std::string name = driverErrorName(code);
  std::string msg = std::string(what) + ": " + name;
  if (d.cuGetErrorString && d.cuGetErrorString(code, &desc) == cu::CUDA_SUCCESS && desc)
    msg += std::string(" (") + desc + ")";
  Napi::Error err = Napi::Error::New(env, msg);
  err.Set("code", Napi::String::New(env, name));
  err.Set("status", Napi::Number::New(env, code));
  throw err;
}

Napi::Value pointerValue(Napi::Env env, unsigned long long ptr) {
  if (ptr >= (1ull << 53)) {
    throw Napi::Error::New(env, "device pointer above 2^53 cannot be represented in JavaScript");
  }
  return Napi::Number::New(env, static_cast<double>(ptr));
}

unsigned long long pointerArg(const Napi::Value &v, const char *what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d != std::floor(d) || d >= 9007199254740992.0)
    throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected an integer in [0, 2^53)");
  return static_cast<unsigned long long>(d);
}

size_t sizeArg(const Napi::Value &v, const char *what) { return static_cast<size_t>(pointerArg(v, what)); }

namespace {

template <typename Table>
bool resolveAll(void *handle, Table &table, std::string &missing);

#define RESOLVE(name, symbol, ret, params)                                \
  table.name = reinterpret_cast<cu::name##_t>(dlsym(handle, symbol));     \
  if (!table.name) {                                                      \
    missing = symbol;                                                     \
    return false;                                                         \
  }

template <>
bool resolveAll<cu::Driver>(void *handle, cu::Driver &table, std::string &missing) {
  CU_DRIVER_FUNCTIONS(RESOLVE)
  return true;
}
template <>
bool resolveAll<cu::Nvrtc>(void *handle, cu::Nvrtc &table, std::string &missing) {
  NVRTC_FUNCTIONS(RESOLVE)
  return true;
}
template <>
bool resolveAll<cu::Cublas>(void *handle, cu::Cublas &table, std::string &missing) {
  CUBLAS_FUNCTIONS(RESOLVE)
  return true;
}
#undef RESOLVE

std::vector<std::string> stringList(const Napi::Value &v, const char *what) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected an array of strings");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<std::string> out;
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    if (!e.IsString()) throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected strings");
    out.push_back(e.As<Napi::String>().Utf8Value());
  }
  return out;
}

template <typename Table>
Napi::Value tryLoad(Napi::Env env, void *&handle, std::string &path, Table &table,
                    const std::vector<std::string> &candidates, const std::vector<std::string> &preload) {
  Napi::Object result = Napi::Object::New(env);
  Napi::Array errors = Napi::Array::New(env);
  if (!handle) {
    // Companion libraries (cuBLASLt for cuBLAS, the builtins for NVRTC) found beside a candidate
    // are made visible first, so a library from a Python wheel finds them without LD_LIBRARY_PATH.
    for (const std::string &p : preload) dlopen(p.c_str(), RTLD_NOW | RTLD_GLOBAL);
    for (const std::string &c : candidates) {
      dlerror();
      void *h = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!h) {
        const char *e = dlerror();
        errors.Set(errors.Length(), Napi::String::New(env, e ? e : (c + ": cannot be loaded")));
        continue;
      }
      Table t;
      std::string missing;
      if (!resolveAll(h, t, missing)) {
        errors.Set(errors.Length(), Napi::String::New(env, c + ": has no symbol " + missing + " (too old)"));
        dlclose(h);
        continue;
      }
      handle = h;
      table = t;
      path = c;
      break;
    }
  }
  result.Set("ok", Napi::Boolean::New(env, handle != nullptr));
  if (handle) result.Set("path", Napi::String::New(env, path));
  result.Set("errors", errors);
  return result;
}

// loadLibrary(kind: 'driver' | 'nvrtc' | 'cublas', candidates: string[], preload: string[])
//   -> { ok, path?, errors: string[] }. Idempotent: a loaded library stays loaded.
Napi::Value LoadLibrary(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3 || !info[0].IsString())
    throw Napi::TypeError::New(env, "loadLibrary(kind, candidates, preload)");
  std::string kind = info[0].As<Napi::String>().Utf8Value();
  auto candidates = stringList(info[1], "loadLibrary candidates");
  auto preload = stringList(info[2], "loadLibrary preload");
  Libraries &L = libs();
  if (kind == "driver") return tryLoad(env, L.driverHandle, L.driverPath, L.driver, candidates, preload);
  if (kind == "nvrtc") return tryLoad(env, L.nvrtcHandle, L.nvrtcPath, L.nvrtc, candidates, preload);
  if (kind == "cublas") return tryLoad(env, L.cublasHandle, L.cublasPath, L.cublas, candidates, preload);
  throw Napi::TypeError::New(env, "loadLibrary: kind must be driver, nvrtc or cublas");
}

// unloadLibraries(): closes every library (tests switch between fake drivers). Refused while a
// device context is alive.
Napi::Value UnloadLibraries(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (anyContextAlive()) throw Napi::Error::New(env, "unloadLibraries: a device context is still alive");
  Libraries &L = libs();
  if (L.cublasHandle) dlclose(L.cublasHandle);
  if (L.nvrtcHandle) dlclose(L.nvrtcHandle);
  if (L.driverHandle) dlclose(L.driverHandle);
  L = Libraries();
  return env.Undefined();
}

Napi::Object status(Napi::Env env, cu::CUresult code) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("status", Napi::Number::New(env, code));
  o.Set("name", Napi::String::New(env, code == cu::CUDA_SUCCESS ? "CUDA_SUCCESS" : driverErrorName(code)));
  return o;
}

cu::Driver &requireDriver(Napi::Env env) {
  if (!libs().driverHandle) throw Napi::Error::New(env, "the CUDA driver library is not loaded");
  return libs().driver;
}

// driverInit() -> { status, name, version, devices }: cuInit, the driver's CUDA version (e.g. 13000)
// and the device count. Never throws for driver errors: the probe turns them into reasons.
Napi::Value DriverInit(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  cu::Driver &d = requireDriver(env);
  int version = 0;
  d.cuDriverGetVersion(&version);
  cu::CUresult r = d.cuInit(0);
  Napi::Object o = status(env, r);
  o.Set("version", Napi::Number::New(env, version));
  int count = 0;
  if (r == cu::CUDA_SUCCESS) {
    cu::CUresult c = d.cuDeviceGetCount(&count);
    if (c != cu::CUDA_SUCCESS) {
      o = status(env, c);
      o.Set("version", Napi::Number::New(env, version));
      count = 0;
    }
  }
  o.Set("devices", Napi::Number::New(env, count));
  return o;
}

// deviceInfo(ordinal) -> { name, major, minor, multiprocessors, totalMemory, maxSharedOptin, pciBus }
Napi::Value DeviceInfo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  cu::Driver &d = requireDriver(env);
  int ordinal = static_cast<int>(sizeArg(info[0], "deviceInfo ordinal"));
  cu::CUdevice dev;
  check(env, "cuDeviceGet", d.cuDeviceGet(&dev, ordinal));
  char name[256] = {0};
  check(env, "cuDeviceGetName", d.cuDeviceGetName(name, sizeof(name) - 1, dev));
  auto attr = [&](int a, const char *what) {
    int v = 0;
    check(env, what, d.cuDeviceGetAttribute(&v, a, dev));
    return v;
  };
  size_t total = 0;
  check(env, "cuDeviceTotalMem", d.cuDeviceTotalMem(&total, dev));
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", Napi::String::New(env, name));
  o.Set("major", attr(cu::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, "compute capability"));
  o.Set("minor", attr(cu::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, "compute capability"));
  o.Set("multiprocessors", attr(cu::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, "multiprocessor count"));
  o.Set("maxThreadsPerBlock", attr(cu::CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, "max threads"));
  o.Set("maxSharedOptin", attr(cu::CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, "shared memory"));
  o.Set("pciBus", attr(cu::CU_DEVICE_ATTRIBUTE_PCI_BUS_ID, "PCI bus"));
  o.Set("totalMemory", Napi::Number::New(env, static_cast<double>(total)));
  return o;
}

// nvrtcInfo() -> { major, minor, archs: number[] } (archs: e.g. [75, 80, 86, 89, 90, ...])
Napi::Value NvrtcInfo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!libs().nvrtcHandle) throw Napi::Error::New(env, "NVRTC is not loaded");
  cu::Nvrtc &r = libs().nvrtc;
  int major = 0, minor = 0, n = 0;
  r.nvrtcVersion(&major, &minor);
  Napi::Object o = Napi::Object::New(env);
  o.Set("major", major);
  o.Set("minor", minor);
  Napi::Array archs = Napi::Array::New(env);
  if (r.nvrtcGetNumSupportedArchs(&n) == 0 && n > 0 && n < 1024) {
    std::vector<int> list(n);
    if (r.nvrtcGetSupportedArchs(list.data()) == 0)
      for (int i = 0; i < n; i++) archs.Set(i, list[i]);
  }
  o.Set("archs", archs);
  return o;
}

// libraryPaths() -> { driver?, nvrtc?, cublas? }: what is loaded.
Napi::Value LibraryPaths(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Libraries &L = libs();
  Napi::Object o = Napi::Object::New(env);
  if (L.driverHandle) o.Set("driver", L.driverPath);
  if (L.nvrtcHandle) o.Set("nvrtc", L.nvrtcPath);
  if (L.cublasHandle) o.Set("cublas", L.cublasPath);
  return o;
}

// errorName(status) -> "CUDA_ERROR_..." (uses the loaded driver's names).
Napi::Value ErrorName(const Napi::CallbackInfo &info) {
  return Napi::String::New(info.Env(), driverErrorName(static_cast<int>(info[0].As<Napi::Number>().Int32Value())));
}

}  // namespace

void initLibraries(Napi::Env env, Napi::Object exports) {
  exports.Set("loadLibrary", Napi::Function::New(env, LoadLibrary, "loadLibrary"));
  exports.Set("unloadLibraries", Napi::Function::New(env, UnloadLibraries, "unloadLibraries"));
  exports.Set("driverInit", Napi::Function::New(env, DriverInit, "driverInit"));
  exports.Set("deviceInfo", Napi::Function::New(env, DeviceInfo, "deviceInfo"));
  exports.Set("nvrtcInfo", Napi::Function::New(env, NvrtcInfo, "nvrtcInfo"));
  exports.Set("libraryPaths", Napi::Function::New(env, LibraryPaths, "libraryPaths"));
  exports.Set("errorName", Napi::Function::New(env, ErrorName, "errorName"));
}

}  // namespace rnncuda

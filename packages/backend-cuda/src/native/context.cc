// Device contexts: one per backend (the device's primary context, one non-blocking stream, a cuBLAS
// handle when cuBLAS loaded), device memory, uploads through pinned staging, reads that wait off the
// main thread, kernel launches and cuBLAS GEMMs. Every call is enqueued on the context's stream; the
// only host waits are in the worker threads of `read`.
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include "addon.h"

namespace rnncuda {

namespace {

/** Pinned host buffers for uploads: filled on the host, copied by the stream, reused after its event. */
struct UploadChunk {
  char *host = nullptr;
  size_t size = 0;
  size_t used = 0;
  cu::CUevent done = nullptr;  // recorded after the chunk's last copy; null while it is being filled
};

constexpr size_t UPLOAD_CHUNK = 4u << 20;    // uploads up to this size go through pinned chunks
constexpr size_t UPLOAD_MAX_CHUNKS = 16;  // beyond this, wait for the oldest chunk

struct Context {
  int id = -1;
  cu::CUdevice device = 0;
  cu::CUcontext ctx = nullptr;
  cu::CUstream stream = nullptr;
  cu::cublasHandle_t blas = nullptr;
  UploadChunk filling;              // the chunk uploads are staged in now (host null: none)
  std::deque<UploadChunk> inflight;  // chunks whose copies may still run, oldest first
  std::multimap<size_t, char *> pinnedFree;  // read staging by size class
  Napi::Reference<Napi::ArrayBuffer> argBuffer;
  char *args = nullptr;
  size_t argCapacity = 0;
  bool alive = true;
};

std::vector<std::unique_ptr<Context>> &contexts() {
  static std::vector<std::unique_ptr<Context>> list;
  return list;
}

cu::Driver &drv() { return libs().driver; }

Context &contextArg(const Napi::Value &v) {
  size_t id = sizeArg(v, "context");
  auto &list = contexts();
  if (id >= list.size() || !list[id] || !list[id]->alive)
    throw Napi::Error::New(v.Env(), "the CUDA context was destroyed");
  Context &c = *list[id];
  // Every call runs with the context current on the main thread (worker threads set it themselves).
  drv().cuCtxSetCurrent(c.ctx);
  return c;
}

size_t pinnedClass(size_t bytes) {
  size_t s = 4096;
  while (s < bytes) s <<= 1;
  return s;
}

// createContext(ordinal, { blas: boolean }) -> id
Napi::Value CreateContext(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!libs().driverHandle) throw Napi::Error::New(env, "the CUDA driver library is not loaded");
  int ordinal = static_cast<int>(sizeArg(info[0], "createContext ordinal"));
  bool wantBlas = info.Length() > 1 && info[1].IsObject() &&
                  info[1].As<Napi::Object>().Get("blas").ToBoolean().Value();
  auto c = std::make_unique<Context>();
  check(env, "cuDeviceGet", drv().cuDeviceGet(&c->device, ordinal));
  check(env, "cuDevicePrimaryCtxRetain", drv().cuDevicePrimaryCtxRetain(&c->ctx, c->device));
  try {
    check(env, "cuCtxSetCurrent", drv().cuCtxSetCurrent(c->ctx));
    check(env, "cuStreamCreate", drv().cuStreamCreate(&c->stream, cu::CU_STREAM_NON_BLOCKING));
    if (wantBlas) {
      if (!libs().cublasHandle) throw Napi::Error::New(env, "cuBLAS is not loaded");
      cu::cublasStatus_t s = libs().cublas.cublasCreate(&c->blas);
      if (s != 0) {
        c->blas = nullptr;
        Napi::Error e = Napi::Error::New(env, "cublasCreate failed with status " + std::to_string(s));
        e.Set("code", Napi::String::New(env, "CUBLAS_STATUS_" + std::to_string(s)));
        throw e;
      }
      libs().cublas.cublasSetStream(c->blas, c->stream);
    }
  } catch (...) {
    if (c->stream) drv().cuStreamDestroy(c->stream);
    drv().cuDevicePrimaryCtxRelease(c->device);
    throw;
  }
  auto &list = contexts();
  c->id = static_cast<int>(list.size());
  list.push_back(std::move(c));
  return Napi::Number::New(env, list.back()->id);
}

// destroyContext(id): waits for the stream, frees staging, destroys the stream and cuBLAS handle and
// releases the primary context (device memory the JS side still holds is freed with it).
Napi::Value DestroyContext(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Context &c = contextArg(info[0]);
  drv().cuStreamSynchronize(c.stream);
  c.inflight.push_back(c.filling);
  for (auto &ch : c.inflight) {
    if (ch.done) drv().cuEventDestroy(ch.done);
    if (ch.host) drv().cuMemFreeHost(ch.host);
  }
  c.inflight.clear();
  c.filling = UploadChunk();
  for (auto &p : c.pinnedFree) drv().cuMemFreeHost(p.second);
  c.pinnedFree.clear();
  if (c.blas) libs().cublas.cublasDestroy(c.blas);
  drv().cuStreamDestroy(c.stream);
  drv().cuDevicePrimaryCtxRelease(c.device);
  c.argBuffer.Reset();
  c.alive = false;
  return env.Undefined();
}

// hasBlas(id) -> whether GEMMs go through cuBLAS
Napi::Value HasBlas(const Napi::CallbackInfo &info) {
  return Napi::Boolean::New(info.Env(), contextArg(info[0]).blas != nullptr);
}

// memAlloc(id, bytes) -> pointer. Throws with code CUDA_ERROR_OUT_OF_MEMORY when the device is full.
Napi::Value MemAlloc(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  contextArg(info[0]);
  size_t bytes = sizeArg(info[1], "memAlloc bytes");
  cu::CUdeviceptr p = 0;
  check(env, "cuMemAlloc", drv().cuMemAlloc(&p, bytes == 0 ? 256 : bytes));
  return pointerValue(env, p);
}

// memFree(id, pointer): cuMemFree waits for work using the memory (the pool calls it only to trim).
Napi::Value MemFree(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  contextArg(info[0]);
  check(env, "cuMemFree", drv().cuMemFree(pointerArg(info[1], "memFree pointer")));
  return env.Undefined();
}

// memInfo(id) -> [free, total] bytes on the device
Napi::Value MemInfo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  contextArg(info[0]);
  size_t free = 0, total = 0;
  check(env, "cuMemGetInfo", drv().cuMemGetInfo(&free, &total));
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, Napi::Number::New(env, static_cast<double>(free)));
  a.Set(1u, Napi::Number::New(env, static_cast<double>(total)));
  return a;
}

/** Room for `bytes` in a pinned upload chunk: the one being filled, a finished one, or a new one. */
char *uploadSpace(Napi::Env env, Context &c, size_t bytes) {
  bytes = (bytes + 255) & ~size_t(255);
  if (c.filling.host && c.filling.used + bytes <= c.filling.size) {
    char *p = c.filling.host + c.filling.used;
    c.filling.used += bytes;
    return p;
  }
  if (c.filling.host) {
    // The chunk's copies are enqueued: record when they are done, then it waits in line.
    if (!c.filling.done)
      check(env, "cuEventCreate", drv().cuEventCreate(&c.filling.done, cu::CU_EVENT_DISABLE_TIMING));
    check(env, "cuEventRecord", drv().cuEventRecord(c.filling.done, c.stream));
    c.inflight.push_back(c.filling);
    c.filling = UploadChunk();
  }
  if (!c.inflight.empty()) {
    UploadChunk &oldest = c.inflight.front();
    cu::CUresult q = drv().cuEventQuery(oldest.done);
    if (q != cu::CUDA_SUCCESS && c.inflight.size() >= UPLOAD_MAX_CHUNKS)
      q = drv().cuEventSynchronize(oldest.done);
    if (q == cu::CUDA_SUCCESS) {
      c.filling = oldest;
      c.inflight.pop_front();
    }
  }
  if (!c.filling.host) {
    c.filling.size = UPLOAD_CHUNK;
    check(env, "cuMemAllocHost", drv().cuMemAllocHost(reinterpret_cast<void **>(&c.filling.host), UPLOAD_CHUNK));
  }
  c.filling.used = bytes;
  return c.filling.host;
}

// upload(id, pointer, view: TypedArray | DataView): copies host bytes to the device, in stream order.
// Small uploads are staged in pinned memory so the call never waits for queued work.
Napi::Value Upload(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Context &c = contextArg(info[0]);
  cu::CUdeviceptr dst = pointerArg(info[1], "upload pointer");
  if (!info[2].IsTypedArray()) throw Napi::TypeError::New(env, "upload: expected a typed array");
  Napi::TypedArray t = info[2].As<Napi::TypedArray>();
  size_t bytes = t.ByteLength();
  if (bytes == 0) return env.Undefined();
  const char *src = static_cast<const char *>(t.ArrayBuffer().Data()) + t.ByteOffset();
  if (bytes <= UPLOAD_CHUNK) {
    char *staged = uploadSpace(env, c, bytes);
    std::memcpy(staged, src, bytes);
    check(env, "cuMemcpyHtoDAsync", drv().cuMemcpyHtoDAsync(dst, staged, bytes, c.stream));
  } else {
    // Large uploads from pageable memory: the driver stages them itself (and may wait for the stream).
    check(env, "cuMemcpyHtoDAsync", drv().cuMemcpyHtoDAsync(dst, src, bytes, c.stream));
  }
  return env.Undefined();
}

// copy(id, dst, src, bytes): device-to-device, in stream order.
Napi::Value Copy(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Context &c = contextArg(info[0]);
  size_t bytes = sizeArg(info[3], "copy bytes");
  if (bytes == 0) return env.Undefined();
  check(env, "cuMemcpyDtoDAsync",
        drv().cuMemcpyDtoDAsync(pointerArg(info[1], "copy dst"), pointerArg(info[2], "copy src"), bytes,
                                c.stream));
  return env.Undefined();
}

// memset32(id, pointer, word, count) / memset8(id, pointer, byte, count), in stream order.
Napi::Value Memset32(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Context &c = contextArg(info[0]);
  size_t n = sizeArg(info[3], "memset32 count");
  if (n == 0) return env.Undefined();
  unsigned word = info[2].As<Napi::Number>().Uint32Value();
  check(env, "cuMemsetD32Async", drv().cuMemsetD32Async(pointerArg(info[1], "memset32 pointer"), word, n, c.stream));
  return env.Undefined();
}
Napi::Value Memset8(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Context &c = contextArg(info[0]);
  size_t n = sizeArg(info[3], "memset8 count");
  if (n == 0) return env.Undefined();
  unsigned char byte = static_cast<unsigned char>(info[2].As<Napi::Number>().Uint32Value());
  check(env, "cuMemsetD8Async", drv().cuMemsetD8Async(pointerArg(info[1], "memset8 pointer"), byte, n, c.stream));
  return env.Undefined();
}

/** Waits for an event on a libuv worker thread, then copies the staged bytes into new ArrayBuffers. */
class ReadWork : public Napi::AsyncWorker {
 public:
  ReadWork(Napi::Env env, Context &c, char *staging, size_t stagingSize, cu::CUevent event,
           std::vector<std::pair<size_t, size_t>> segments)
      : Napi::AsyncWorker(env, "rnn-cuda-read"),
        deferred_(Napi::Promise::Deferred::New(env)),
        ctx_(c.id),
        cuCtx_(c.ctx),
        staging_(staging),
        stagingSize_(stagingSize),
        event_(event),
        segments_(std::move(segments)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    drv().cuCtxSetCurrent(cuCtx_);
    status_ = drv().cuEventSynchronize(event_);
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    giveBack();
    if (status_ != cu::CUDA_SUCCESS) {
      std::string name = driverErrorName(status_);
      const char *desc = nullptr;
      std::string msg = "waiting for the GPU: " + name;
      if (drv().cuGetErrorString && drv().cuGetErrorString(status_, &desc) == 0 && desc)
        msg += std::string(" (") + desc + ")";
      Napi::Error e = Napi::Error::New(env, msg);
      e.Set("code", Napi::String::New(env, name));
      e.Set("status", Napi::Number::New(env, status_));
      deferred_.Reject(e.Value());
      return;
    }
    Napi::Array out = Napi::Array::New(env, segments_.size());
    for (size_t i = 0; i < segments_.size(); i++) {
      Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, segments_[i].second);
      if (segments_[i].second) std::memcpy(ab.Data(), staging_ + segments_[i].first, segments_[i].second);
      out.Set(static_cast<uint32_t>(i), ab);
    }
    deferred_.Resolve(out);
  }

 private:
  void giveBack() {
    drv().cuCtxSetCurrent(cuCtx_);
    drv().cuEventDestroy(event_);
    auto &list = contexts();
    if (staging_ && ctx_ < static_cast<int>(list.size()) && list[ctx_] && list[ctx_]->alive)
      list[ctx_]->pinnedFree.emplace(stagingSize_, staging_);
    else if (staging_)
      drv().cuMemFreeHost(staging_);
  }

  Napi::Promise::Deferred deferred_;
  int ctx_;
  cu::CUcontext cuCtx_;
  char *staging_;
  size_t stagingSize_;
  cu::CUevent event_;
  std::vector<std::pair<size_t, size_t>> segments_;  // (offset in staging, bytes)
  cu::CUresult status_ = cu::CUDA_SUCCESS;
};

// read(id, segments: Float64Array [pointer, bytes, pointer, bytes, ...]) -> Promise<ArrayBuffer[]>.
// Enqueues the copies into one pinned staging buffer after all queued work, records an event, and
// resolves once a worker thread has seen the event complete. No segments: a plain sync.
Napi::Value Read(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Context &c = contextArg(info[0]);
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw Napi::TypeError::New(env, "read: expected a Float64Array of [pointer, bytes] pairs");
  Napi::Float64Array segs = info[1].As<Napi::Float64Array>();
  if (segs.ElementLength() % 2 != 0) throw Napi::TypeError::New(env, "read: pairs expected");
  std::vector<std::pair<size_t, size_t>> layout;
  size_t total = 0;
  for (size_t i = 0; i < segs.ElementLength(); i += 2) {
    size_t bytes = static_cast<size_t>(segs[i + 1]);
    layout.emplace_back(total, bytes);
    total += (bytes + 255) & ~size_t(255);
  }
  char *staging = nullptr;
  size_t cls = 0;
  if (total > 0) {
    cls = pinnedClass(total);
    auto it = c.pinnedFree.find(cls);
    if (it != c.pinnedFree.end()) {
      staging = it->second;
      c.pinnedFree.erase(it);
    } else {
      check(env, "cuMemAllocHost", drv().cuMemAllocHost(reinterpret_cast<void **>(&staging), cls));
    }
  }
  cu::CUevent ev = nullptr;
  try {
    for (size_t i = 0, k = 0; i < segs.ElementLength(); i += 2, k++) {
      if (layout[k].second == 0) continue;
      cu::CUdeviceptr src = static_cast<cu::CUdeviceptr>(segs[i]);
      check(env, "cuMemcpyDtoHAsync",
            drv().cuMemcpyDtoHAsync(staging + layout[k].first, src, layout[k].second, c.stream));
    }
    check(env, "cuEventCreate", drv().cuEventCreate(&ev, cu::CU_EVENT_DISABLE_TIMING));
    check(env, "cuEventRecord", drv().cuEventRecord(ev, c.stream));
  } catch (...) {
    if (ev) drv().cuEventDestroy(ev);
    if (staging) c.pinnedFree.emplace(cls, staging);
    throw;
  }
  auto *work = new ReadWork(env, c, staging, cls, ev, std::move(layout));
  Napi::Promise p = work->Promise();
  work->Queue();
  return p;
}

// readBlocking(id, segments) -> ArrayBuffer[]: as `read`, but waits on the calling thread (the
// backend's opt-in `syncReads`, for code written for the CPU backend's synchronous reads).
Napi::Value ReadBlocking(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Context &c = contextArg(info[0]);
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw Napi::TypeError::New(env, "readBlocking: expected a Float64Array of [pointer, bytes] pairs");
  Napi::Float64Array segs = info[1].As<Napi::Float64Array>();
  size_t count = segs.ElementLength() / 2;
  Napi::Array out = Napi::Array::New(env, count);
  for (size_t k = 0; k < count; k++) {
    size_t bytes = static_cast<size_t>(segs[2 * k + 1]);
    Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, bytes);
    if (bytes) {
      check(env, "cuMemcpyDtoHAsync",
            drv().cuMemcpyDtoHAsync(ab.Data(), static_cast<cu::CUdeviceptr>(segs[2 * k]), bytes, c.stream));
    }
    out.Set(static_cast<uint32_t>(k), ab);
  }
  check(env, "cuStreamSynchronize", drv().cuStreamSynchronize(c.stream));
  return out;
}

// setArgBuffer(id, ArrayBuffer): the buffer `launch` reads kernel arguments from (packed by
// src/device/args.ts as the kernel's C parameter list lays them out).
Napi::Value SetArgBuffer(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Context &c = contextArg(info[0]);
  if (!info[1].IsArrayBuffer()) throw Napi::TypeError::New(env, "setArgBuffer: expected an ArrayBuffer");
  Napi::ArrayBuffer ab = info[1].As<Napi::ArrayBuffer>();
  c.argBuffer = Napi::Persistent(ab);
  c.args = static_cast<char *>(ab.Data());
  c.argCapacity = ab.ByteLength();
  return env.Undefined();
}

// launch(id, fn, gx, gy, gz, bx, by, bz, sharedBytes, argBytes): one kernel on the stream, with its
// parameters the first argBytes bytes of the argument buffer.
Napi::Value Launch(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Context &c = contextArg(info[0]);
  auto fn = reinterpret_cast<cu::CUfunction>(pointerArg(info[1], "launch function"));
  unsigned dims[7];
  for (int i = 0; i < 7; i++) dims[i] = info[2 + i].As<Napi::Number>().Uint32Value();
  size_t argBytes = sizeArg(info[9], "launch argBytes");
  if (argBytes > c.argCapacity) throw Napi::RangeError::New(env, "launch: arguments exceed the buffer");
  void *extra[] = {CU_LAUNCH_PARAM_BUFFER_POINTER_, c.args, CU_LAUNCH_PARAM_BUFFER_SIZE_, &argBytes,
                   CU_LAUNCH_PARAM_END_};
  check(env, "cuLaunchKernel",
        drv().cuLaunchKernel(fn, dims[0], dims[1], dims[2], dims[3], dims[4], dims[5], dims[6], c.stream,
                             nullptr, argBytes ? extra : nullptr));
  return env.Undefined();
}

// loadModule(id, image: Uint8Array (cubin, or PTX text with its terminating NUL)) -> module
Napi::Value LoadModule(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  contextArg(info[0]);
  if (!info[1].IsTypedArray()) throw Napi::TypeError::New(env, "loadModule: expected a Uint8Array");
  Napi::Uint8Array image = info[1].As<Napi::Uint8Array>();
  std::vector<char> log(8192, 0);
  int opts[] = {cu::CU_JIT_ERROR_LOG_BUFFER, cu::CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *vals[] = {log.data(), reinterpret_cast<void *>(static_cast<uintptr_t>(log.size() - 1))};
  cu::CUmodule mod = nullptr;
  cu::CUresult r = drv().cuModuleLoadDataEx(&mod, image.Data(), 2, opts, vals);
  if (r != cu::CUDA_SUCCESS) {
    std::string what = "cuModuleLoadData";
    if (log[0]) what += std::string(" [") + log.data() + "]";
    throwDriverError(env, what.c_str(), r);
  }
  return Napi::Number::New(env, static_cast<double>(reinterpret_cast<uintptr_t>(mod)));
}

// getFunction(id, module, name) -> function
Napi::Value GetFunction(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  contextArg(info[0]);
  auto mod = reinterpret_cast<cu::CUmodule>(pointerArg(info[1], "getFunction module"));
  std::string name = info[2].As<Napi::String>().Utf8Value();
  cu::CUfunction fn = nullptr;
  check(env, ("cuModuleGetFunction " + name).c_str(), drv().cuModuleGetFunction(&fn, mod, name.c_str()));
  return Napi::Number::New(env, static_cast<double>(reinterpret_cast<uintptr_t>(fn)));
}

// setMaxDynamicShared(id, fn, bytes): lets a kernel use more than 48 KiB of dynamic shared memory.
Napi::Value SetMaxDynamicShared(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  contextArg(info[0]);
  auto fn = reinterpret_cast<cu::CUfunction>(pointerArg(info[1], "function"));
  int bytes = static_cast<int>(sizeArg(info[2], "bytes"));
  check(env, "cuFuncSetAttribute",
        drv().cuFuncSetAttribute(fn, cu::CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes));
  return env.Undefined();
}

// gemm(id, f64, transa, transb, m, n, k, alpha, A, lda, strideA, B, ldb, strideB, beta, C, ldc,
//      strideC, batch): cuBLAS's column-major strided-batched GEMM, as given (the row-major mapping is
// done in src/device/gemm.ts).
Napi::Value Gemm(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Context &c = contextArg(info[0]);
  if (!c.blas) throw Napi::Error::New(env, "gemm: this context has no cuBLAS handle");
  if (info.Length() != 19) throw Napi::TypeError::New(env, "gemm: expected 19 arguments");
  bool f64 = info[1].ToBoolean().Value();
  int ta = info[2].ToBoolean().Value() ? 1 : 0;
  int tb = info[3].ToBoolean().Value() ? 1 : 0;
  int m = info[4].As<Napi::Number>().Int32Value();
  int n = info[5].As<Napi::Number>().Int32Value();
  int k = info[6].As<Napi::Number>().Int32Value();
  double alpha = info[7].As<Napi::Number>().DoubleValue();
  auto A = pointerArg(info[8], "gemm A");
  int lda = info[9].As<Napi::Number>().Int32Value();
  long long sA = info[10].As<Napi::Number>().Int64Value();
  auto B = pointerArg(info[11], "gemm B");
  int ldb = info[12].As<Napi::Number>().Int32Value();
  long long sB = info[13].As<Napi::Number>().Int64Value();
  double beta = info[14].As<Napi::Number>().DoubleValue();
  auto C = pointerArg(info[15], "gemm C");
  int ldc = info[16].As<Napi::Number>().Int32Value();
  long long sC = info[17].As<Napi::Number>().Int64Value();
  int batch = info[18].As<Napi::Number>().Int32Value();
  cu::cublasStatus_t s;
  if (f64) {
    s = libs().cublas.cublasDgemmStridedBatched(c.blas, ta, tb, m, n, k, &alpha, reinterpret_cast<const double *>(A),
                                                lda, sA, reinterpret_cast<const double *>(B), ldb, sB, &beta,
                                                reinterpret_cast<double *>(C), ldc, sC, batch);
  } else {
    float a32 = static_cast<float>(alpha), b32 = static_cast<float>(beta);
    s = libs().cublas.cublasSgemmStridedBatched(c.blas, ta, tb, m, n, k, &a32, reinterpret_cast<const float *>(A),
                                                lda, sA, reinterpret_cast<const float *>(B), ldb, sB, &b32,
                                                reinterpret_cast<float *>(C), ldc, sC, batch);
  }
  if (s != 0) {
    Napi::Error e = Napi::Error::New(env, "cublas" + std::string(f64 ? "D" : "S") +
                                              "gemmStridedBatched failed with status " + std::to_string(s));
    e.Set("code", Napi::String::New(env, "CUBLAS_STATUS_" + std::to_string(s)));
    throw e;
  }
  return env.Undefined();
}

}  // namespace

bool anyContextAlive() {
  for (auto &c : contexts())
    if (c && c->alive) return true;
  return false;
}

void initContexts(Napi::Env env, Napi::Object exports) {
  exports.Set("createContext", Napi::Function::New(env, CreateContext, "createContext"));
  exports.Set("destroyContext", Napi::Function::New(env, DestroyContext, "destroyContext"));
  exports.Set("hasBlas", Napi::Function::New(env, HasBlas, "hasBlas"));
  exports.Set("memAlloc", Napi::Function::New(env, MemAlloc, "memAlloc"));
  exports.Set("memFree", Napi::Function::New(env, MemFree, "memFree"));
  exports.Set("memInfo", Napi::Function::New(env, MemInfo, "memInfo"));
  exports.Set("upload", Napi::Function::New(env, Upload, "upload"));
  exports.Set("copy", Napi::Function::New(env, Copy, "copy"));
  exports.Set("memset32", Napi::Function::New(env, Memset32, "memset32"));
  exports.Set("memset8", Napi::Function::New(env, Memset8, "memset8"));
  exports.Set("read", Napi::Function::New(env, Read, "read"));
  exports.Set("readBlocking", Napi::Function::New(env, ReadBlocking, "readBlocking"));
  exports.Set("setArgBuffer", Napi::Function::New(env, SetArgBuffer, "setArgBuffer"));
  exports.Set("launch", Napi::Function::New(env, Launch, "launch"));
  exports.Set("loadModule", Napi::Function::New(env, LoadModule, "loadModule"));
  exports.Set("getFunction", Napi::Function::New(env, GetFunction, "getFunction"));
  exports.Set("setMaxDynamicShared", Napi::Function::New(env, SetMaxDynamicShared, "setMaxDynamicShared"));
  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
}

}  // namespace rnncuda

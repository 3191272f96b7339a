// The parts of the CUDA driver API, NVRTC and cuBLAS this addon calls, declared here so that the
// addon builds without a CUDA SDK and loads the libraries with dlopen at run time. The declarations
// follow the libraries' stable C ABIs (the `_v2` entry points); scripts/check-kernels.sh compiles
// `check_api.cc` against the SDK's own cuda.h to prove the driver signatures match.
#pragma once

#include <cstddef>

namespace cu {

typedef int CUresult;
typedef int CUdevice;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;
typedef unsigned long long CUdeviceptr;

constexpr CUresult CUDA_SUCCESS = 0;
constexpr CUresult CUDA_ERROR_NOT_READY = 600;
constexpr CUresult CUDA_ERROR_OUT_OF_MEMORY = 2;

constexpr int CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1;
constexpr int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;
constexpr int CU_DEVICE_ATTRIBUTE_PCI_BUS_ID = 33;

constexpr unsigned CU_STREAM_NON_BLOCKING = 0x1;
constexpr unsigned CU_EVENT_DISABLE_TIMING = 0x2;
constexpr int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
constexpr int CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;

#define CU_LAUNCH_PARAM_END_ ((void *)0x00)
#define CU_LAUNCH_PARAM_BUFFER_POINTER_ ((void *)0x01)
#define CU_LAUNCH_PARAM_BUFFER_SIZE_ ((void *)0x02)

// X(name, symbol, return, params): every driver entry point, by the symbol dlsym looks up.
#define CU_DRIVER_FUNCTIONS(X)                                                                          \
  X(cuInit, "cuInit", CUresult, (unsigned flags))                                                       \
  X(cuDriverGetVersion, "cuDriverGetVersion", CUresult, (int *version))                                 \
  X(cuDeviceGetCount, "cuDeviceGetCount", CUresult, (int *count))                                       \
  X(cuDeviceGet, "cuDeviceGet", CUresult, (CUdevice * device, int ordinal))                             \
  X(cuDeviceGetName, "cuDeviceGetName", CUresult, (char *name, int len, CUdevice dev))                  \
  X(cuDeviceGetAttribute, "cuDeviceGetAttribute", CUresult, (int *pi, int attrib, CUdevice dev))        \
  X(cuDeviceTotalMem, "cuDeviceTotalMem_v2", CUresult, (size_t * bytes, CUdevice dev))                  \
  X(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain", CUresult, (CUcontext * pctx, CUdevice dev))   \
  X(cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2", CUresult, (CUdevice dev))                \
  X(cuCtxSetCurrent, "cuCtxSetCurrent", CUresult, (CUcontext ctx))                                      \
  X(cuStreamCreate, "cuStreamCreate", CUresult, (CUstream * phStream, unsigned flags))                  \
  X(cuStreamDestroy, "cuStreamDestroy_v2", CUresult, (CUstream hStream))                                \
  X(cuStreamSynchronize, "cuStreamSynchronize", CUresult, (CUstream hStream))                           \
  X(cuEventCreate, "cuEventCreate", CUresult, (CUevent * phEvent, unsigned flags))                      \
  X(cuEventRecord, "cuEventRecord", CUresult, (CUevent hEvent, CUstream hStream))                       \
  X(cuEventSynchronize, "cuEventSynchronize", CUresult, (CUevent hEvent))                               \
  X(cuEventQuery, "cuEventQuery", CUresult, (CUevent hEvent))                                           \
  X(cuEventDestroy, "cuEventDestroy_v2", CUresult, (CUevent hEvent))                                    \
  X(cuMemAlloc, "cuMemAlloc_v2", CUresult, (CUdeviceptr * dptr, size_t bytesize))                       \
  X(cuMemFree, "cuMemFree_v2", CUresult, (CUdeviceptr dptr))                                            \
  X(cuMemAllocHost, "cuMemAllocHost_v2", CUresult, (void **pp, size_t bytesize))                        \
  X(cuMemFreeHost, "cuMemFreeHost", CUresult, (void *p))                                                \
  X(cuMemGetInfo, "cuMemGetInfo_v2", CUresult, (size_t * free, size_t * total))                         \
  X(cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2", CUresult,                                                \
    (CUdeviceptr dst, const void *src, size_t bytes, CUstream hStream))                                 \
  X(cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2", CUresult,                                                \
    (void *dst, CUdeviceptr src, size_t bytes, CUstream hStream))                                       \
  X(cuMemcpyDtoDAsync, "cuMemcpyDtoDAsync_v2", CUresult,                                                \
    (CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream hStream))                                 \
  X(cuMemsetD8Async, "cuMemsetD8Async", CUresult,                                                       \
    (CUdeviceptr dst, unsigned char value, size_t n, CUstream hStream))                                 \
  X(cuMemsetD32Async, "cuMemsetD32Async", CUresult,                                                     \
    (CUdeviceptr dst, unsigned int value, size_t n, CUstream hStream))                                  \
  X(cuModuleLoadDataEx, "cuModuleLoadDataEx", CUresult,                                                 \
    (CUmodule * module, const void *image, unsigned numOptions, int *options, void **optionValues))     \
  X(cuModuleGetFunction, "cuModuleGetFunction", CUresult,                                               \
    (CUfunction * hfunc, CUmodule hmod, const char *name))                                              \
  X(cuModuleUnload, "cuModuleUnload", CUresult, (CUmodule hmod))                                        \
  X(cuFuncSetAttribute, "cuFuncSetAttribute", CUresult, (CUfunction hfunc, int attrib, int value))      \
  X(cuLaunchKernel, "cuLaunchKernel", CUresult,                                                         \
    (CUfunction f, unsigned gridDimX, unsigned gridDimY, unsigned gridDimZ, unsigned blockDimX,         \
     unsigned blockDimY, unsigned blockDimZ, unsigned sharedMemBytes, CUstream hStream,                 \
     void **kernelParams, void **extra))                                                                \
  X(cuGetErrorName, "cuGetErrorName", CUresult, (CUresult error, const char **pStr))                    \
  X(cuGetErrorString, "cuGetErrorString", CUresult, (CUresult error, const char **pStr))

// NVRTC: compiles the kernels' CUDA C at run time.
typedef int nvrtcResult;
typedef struct _nvrtcProgram *nvrtcProgram;

#define NVRTC_FUNCTIONS(X)                                                                              \
  X(nvrtcVersion, "nvrtcVersion", nvrtcResult, (int *major, int *minor))                                \
  X(nvrtcGetNumSupportedArchs, "nvrtcGetNumSupportedArchs", nvrtcResult, (int *numArchs))               \
  X(nvrtcGetSupportedArchs, "nvrtcGetSupportedArchs", nvrtcResult, (int *archs))                        \
  X(nvrtcCreateProgram, "nvrtcCreateProgram", nvrtcResult,                                              \
    (nvrtcProgram * prog, const char *src, const char *name, int numHeaders,                           \
     const char *const *headers, const char *const *includeNames))                                      \
  X(nvrtcCompileProgram, "nvrtcCompileProgram", nvrtcResult,                                            \
    (nvrtcProgram prog, int numOptions, const char *const *options))                                    \
  X(nvrtcGetProgramLogSize, "nvrtcGetProgramLogSize", nvrtcResult, (nvrtcProgram prog, size_t *size))   \
  X(nvrtcGetProgramLog, "nvrtcGetProgramLog", nvrtcResult, (nvrtcProgram prog, char *log))              \
  X(nvrtcGetCUBINSize, "nvrtcGetCUBINSize", nvrtcResult, (nvrtcProgram prog, size_t *size))             \
  X(nvrtcGetCUBIN, "nvrtcGetCUBIN", nvrtcResult, (nvrtcProgram prog, char *cubin))                      \
  X(nvrtcGetPTXSize, "nvrtcGetPTXSize", nvrtcResult, (nvrtcProgram prog, size_t *size))                 \
  X(nvrtcGetPTX, "nvrtcGetPTX", nvrtcResult, (nvrtcProgram prog, char *ptx))                            \
  X(nvrtcDestroyProgram, "nvrtcDestroyProgram", nvrtcResult, (nvrtcProgram * prog))                     \
  X(nvrtcGetErrorString, "nvrtcGetErrorString", const char *, (nvrtcResult result))

// cuBLAS: matmul. cudaStream_t is the driver's CUstream.
typedef int cublasStatus_t;
typedef struct cublasContext *cublasHandle_t;

#define CUBLAS_FUNCTIONS(X)                                                                             \
  X(cublasCreate, "cublasCreate_v2", cublasStatus_t, (cublasHandle_t * handle))                         \
  X(cublasDestroy, "cublasDestroy_v2", cublasStatus_t, (cublasHandle_t handle))                         \
  X(cublasGetVersion, "cublasGetVersion_v2", cublasStatus_t, (cublasHandle_t handle, int *version))     \
  X(cublasSetStream, "cublasSetStream_v2", cublasStatus_t, (cublasHandle_t handle, CUstream stream))    \
  X(cublasSgemmStridedBatched, "cublasSgemmStridedBatched", cublasStatus_t,                             \
    (cublasHandle_t handle, int transa, int transb, int m, int n, int k, const float *alpha,            \
     const float *A, int lda, long long strideA, const float *B, int ldb, long long strideB,            \
     const float *beta, float *C, int ldc, long long strideC, int batchCount))                          \
  X(cublasDgemmStridedBatched, "cublasDgemmStridedBatched", cublasStatus_t,                             \
    (cublasHandle_t handle, int transa, int transb, int m, int n, int k, const double *alpha,           \
     const double *A, int lda, long long strideA, const double *B, int ldb, long long strideB,          \
     const double *beta, double *C, int ldc, long long strideC, int batchCount))

#define DECLARE_POINTER(name, symbol, ret, params) typedef ret(*name##_t) params;
CU_DRIVER_FUNCTIONS(DECLARE_POINTER)
NVRTC_FUNCTIONS(DECLARE_POINTER)
CUBLAS_FUNCTIONS(DECLARE_POINTER)
#undef DECLARE_POINTER

#define DECLARE_MEMBER(name, symbol, ret, params) name##_t name = nullptr;
struct Driver {
  CU_DRIVER_FUNCTIONS(DECLARE_MEMBER)
};
struct Nvrtc {
  NVRTC_FUNCTIONS(DECLARE_MEMBER)
};
struct Cublas {
  CUBLAS_FUNCTIONS(DECLARE_MEMBER)
};
#undef DECLARE_MEMBER

}  // namespace cu

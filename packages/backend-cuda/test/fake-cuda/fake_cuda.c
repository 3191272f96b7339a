// A fake NVIDIA driver, NVRTC and cuBLAS for the tests (no GPU needed): "device" memory is host
// memory, copies are memcpy, the stream runs everything at once. cuBLAS's strided-batched GEMMs are
// real (column-major, as documented), and a few kernels are executed on the host so that the whole
// launch path (argument packing in JavaScript, the addon's parameter buffer) is checked end to end:
// fill_f64, binary_flat_f32, binary_f32 (broadcasting through Dims) and index_select_f32 (with the
// index-error flag). Every other kernel launch is counted and does nothing.
// Behaviour is steered by environment variables read at each call: FAKE_CUDA_VERSION (13000),
// FAKE_CUDA_INIT (0), FAKE_CUDA_DEVICES (1), FAKE_CUDA_CC (90), FAKE_CUDA_MEMORY (bytes, 1 GiB),
// FAKE_NVRTC_VERSION (13.0), FAKE_NVRTC_FAIL (a module name that fails to compile), FAKE_CUBLAS_FAIL
// (cublasCreate fails).
// Built three times (-DFAKE_DRIVER, -DFAKE_NVRTC, -DFAKE_CUBLAS) by build-fake.sh.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

__attribute__((unused)) static long envl(const char *name, long dflt) {
  const char *v = getenv(name);
  return v && *v ? strtol(v, NULL, 10) : dflt;
}

#ifdef FAKE_DRIVER
typedef int CUresult;
static size_t used = 0;
EXPORT long fake_launches = 0;

EXPORT CUresult cuInit(unsigned f) { return (CUresult)envl("FAKE_CUDA_INIT", 0); }
EXPORT CUresult cuDriverGetVersion(int *v) { *v = (int)envl("FAKE_CUDA_VERSION", 13000); return 0; }
EXPORT CUresult cuDeviceGetCount(int *c) { *c = (int)envl("FAKE_CUDA_DEVICES", 1); return 0; }
EXPORT CUresult cuDeviceGet(int *d, int ordinal) { if (ordinal >= envl("FAKE_CUDA_DEVICES", 1)) return 101; *d = ordinal; return 0; }
EXPORT CUresult cuDeviceGetName(char *name, int len, int dev) { snprintf(name, len, "Fake GPU %d", dev); return 0; }
EXPORT CUresult cuDeviceGetAttribute(int *v, int attr, int dev) {
  long cc = envl("FAKE_CUDA_CC", 90);
  switch (attr) {
    case 75: *v = (int)(cc / 10); break;
    case 76: *v = (int)(cc % 10); break;
    case 16: *v = 4; break;
    case 1: *v = 1024; break;
    case 97: *v = 101376; break;
    default: *v = 1;
  }
  return 0;
}
EXPORT CUresult cuDeviceTotalMem_v2(size_t *b, int dev) { *b = (size_t)envl("FAKE_CUDA_MEMORY", 1L << 30); return 0; }
EXPORT CUresult cuDevicePrimaryCtxRetain(void **ctx, int dev) { *ctx = (void *)0x1000; return 0; }
EXPORT CUresult cuDevicePrimaryCtxRelease_v2(int dev) { return 0; }
EXPORT CUresult cuCtxSetCurrent(void *ctx) { return 0; }
EXPORT CUresult cuStreamCreate(void **s, unsigned f) { *s = malloc(8); return 0; }
EXPORT CUresult cuStreamDestroy_v2(void *s) { free(s); return 0; }
EXPORT CUresult cuStreamSynchronize(void *s) { return 0; }
EXPORT CUresult cuEventCreate(void **e, unsigned f) { *e = malloc(8); return 0; }
EXPORT CUresult cuEventRecord(void *e, void *s) { return 0; }
EXPORT CUresult cuEventSynchronize(void *e) { return 0; }
EXPORT CUresult cuEventQuery(void *e) { return 0; }
EXPORT CUresult cuEventDestroy_v2(void *e) { free(e); return 0; }

// A block remembers its size just before the address handed out.
EXPORT CUresult cuMemAlloc_v2(unsigned long long *p, size_t n) {
  if (used + n > (size_t)envl("FAKE_CUDA_MEMORY", 1L << 30)) return 2;  // CUDA_ERROR_OUT_OF_MEMORY
  char *b = aligned_alloc(256, 256 + ((n + 255) & ~(size_t)255));
  if (!b) return 2;
  *(size_t *)b = n;
  used += n;
  *p = (unsigned long long)(uintptr_t)(b + 256);
  return 0;
}
EXPORT CUresult cuMemFree_v2(unsigned long long p) {
  char *b = (char *)(uintptr_t)p - 256;
  used -= *(size_t *)b;
  free(b);
  return 0;
}
EXPORT CUresult cuMemAllocHost_v2(void **p, size_t n) { *p = malloc(n); return 0; }
EXPORT CUresult cuMemFreeHost(void *p) { free(p); return 0; }
EXPORT CUresult cuMemGetInfo_v2(size_t *f, size_t *t) { *t = (size_t)envl("FAKE_CUDA_MEMORY", 1L << 30); *f = *t - used; return 0; }
EXPORT CUresult cuMemcpyHtoDAsync_v2(unsigned long long d, const void *s, size_t n, void *st) { memcpy((void *)(uintptr_t)d, s, n); return 0; }
EXPORT CUresult cuMemcpyDtoHAsync_v2(void *d, unsigned long long s, size_t n, void *st) { memcpy(d, (void *)(uintptr_t)s, n); return 0; }
EXPORT CUresult cuMemcpyDtoDAsync_v2(unsigned long long d, unsigned long long s, size_t n, void *st) { memmove((void *)(uintptr_t)d, (void *)(uintptr_t)s, n); return 0; }
EXPORT CUresult cuMemsetD8Async(unsigned long long d, unsigned char v, size_t n, void *st) { memset((void *)(uintptr_t)d, v, n); return 0; }
EXPORT CUresult cuMemsetD32Async(unsigned long long d, unsigned v, size_t n, void *st) {
  unsigned *p = (unsigned *)(uintptr_t)d;
  for (size_t i = 0; i < n; i++) p[i] = v;
  return 0;
}
#ifndef FAKE_EMULATE  // scripts/emulator provides the module entry points and runs the real kernels
EXPORT CUresult cuModuleLoadDataEx(void **m, const void *image, unsigned n, int *opts, void **vals) {
  if (strncmp((const char *)image, "FAIL", 4) == 0) {
    for (unsigned i = 0; i < n; i++)
      if (opts[i] == 5) snprintf((char *)vals[i], 64, "fake JIT log: bad image");
    return 218;  // CUDA_ERROR_INVALID_PTX
  }
  *m = malloc(8);
  return 0;
}
EXPORT CUresult cuModuleGetFunction(void **f, void *m, const char *name) { *f = strdup(name); return 0; }
EXPORT CUresult cuModuleUnload(void *m) { free(m); return 0; }
EXPORT CUresult cuFuncSetAttribute(void *f, int a, int v) { return 0; }

struct Dims { int shape[8]; int stride[4][8]; int rank; int n; };
static void offsets(const struct Dims *d, int i, int nops, int *off) {
  for (int k = 0; k < nops; k++) off[k] = 0;
  for (int r = d->rank - 1; r >= 0; r--) {
    int c = i % d->shape[r];
    i /= d->shape[r];
    for (int k = 0; k < nops; k++) off[k] += c * d->stride[k][r];
  }
}
#define ARG(T, at) (*(T *)(args + (at)))
#define PTR(T, at) ((T *)(uintptr_t)ARG(unsigned long long, at))

EXPORT CUresult cuLaunchKernel(const char *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                               unsigned bz, unsigned sh, void *st, void **params, void **extra) {
  fake_launches++;
  if (!extra || extra[0] != (void *)1 || extra[2] != (void *)2) return 1;  // CUDA_ERROR_INVALID_VALUE
  const char *args = (const char *)extra[1];
  if (!strcmp(f, "fill_f64")) {  // (double *out, int n, double v)
    double *out = PTR(double, 0);
    for (int i = 0; i < ARG(int, 8); i++) out[i] = ARG(double, 16);
  } else if (!strcmp(f, "binary_flat_f32")) {  // (float *out, const float *a, const float *b, int n, int op)
    float *out = PTR(float, 0), *a = PTR(float, 8), *b = PTR(float, 16);
    int n = ARG(int, 24), op = ARG(int, 28);
    for (int i = 0; i < n; i++) out[i] = op == 0 ? a[i] + b[i] : op == 2 ? a[i] * b[i] : NAN;
  } else if (!strcmp(f, "binary_f32")) {  // (float *out, const float *a, const float *b, Dims d, int op)
    float *out = PTR(float, 0), *a = PTR(float, 8), *b = PTR(float, 16);
    const struct Dims *d = (const struct Dims *)(args + 24);
    int op = ARG(int, 24 + sizeof(struct Dims)), off[2];
    for (int i = 0; i < d->n; i++) {
      offsets(d, i, 2, off);
      out[i] = op == 0 ? a[off[0]] + b[off[1]] : op == 2 ? a[off[0]] * b[off[1]] : NAN;
    }
  } else if (!strcmp(f, "index_select_f32")) {
    // (float *out, const float *x, const int *idx, int outer, int n, int m, int inner, u32 *flag, int site)
    float *out = PTR(float, 0), *x = PTR(float, 8);
    int *idx = PTR(int, 16);
    int outer = ARG(int, 24), n = ARG(int, 28), m = ARG(int, 32), inner = ARG(int, 36);
    unsigned *flag = PTR(unsigned, 40);
    int site = ARG(int, 48);
    for (int q = 0; q < outer * m * inner; q++) {
      int j = q % inner, t = q / inner, i = t % m, o = t / m, v = idx[i];
      if (v >= 0 && v < n) {
        out[q] = x[((long)o * n + v) * inner + j];
      } else {
        out[q] = 0;
        if (!flag[0]) {
          flag[0] = 1, flag[1] = site, flag[2] = (unsigned)v, flag[3] = i, flag[4] = n;
        }
      }
    }
  }
  return 0;
}
#endif

EXPORT CUresult cuGetErrorName(CUresult e, const char **s) {
  switch (e) {
    case 1: *s = "CUDA_ERROR_INVALID_VALUE"; return 0;
    case 2: *s = "CUDA_ERROR_OUT_OF_MEMORY"; return 0;
    case 34: *s = "CUDA_ERROR_STUB_LIBRARY"; return 0;
    case 100: *s = "CUDA_ERROR_NO_DEVICE"; return 0;
    case 101: *s = "CUDA_ERROR_INVALID_DEVICE"; return 0;
    case 218: *s = "CUDA_ERROR_INVALID_PTX"; return 0;
    case 700: *s = "CUDA_ERROR_ILLEGAL_ADDRESS"; return 0;
    default: *s = NULL; return 1;
  }
}
EXPORT CUresult cuGetErrorString(CUresult e, const char **s) {
  *s = e == 2 ? "out of memory" : e == 100 ? "no CUDA-capable device is detected" : "fake error";
  return 0;
}
#endif

#ifdef FAKE_NVRTC
typedef struct { char *name; char *image; size_t size; char log[64]; } Prog;
EXPORT int nvrtcVersion(int *major, int *minor) {
  const char *v = getenv("FAKE_NVRTC_VERSION");
  *major = 13, *minor = 0;
  if (v) sscanf(v, "%d.%d", major, minor);
  return 0;
}
static const int archs[] = {75, 80, 86, 89, 90, 100, 120};
EXPORT int nvrtcGetNumSupportedArchs(int *n) { *n = 7; return 0; }
EXPORT int nvrtcGetSupportedArchs(int *a) { memcpy(a, archs, sizeof archs); return 0; }
EXPORT int nvrtcCreateProgram(Prog **p, const char *src, const char *name, int nh, const char *const *h, const char *const *in) {
  *p = calloc(1, sizeof(Prog));
  (*p)->name = strdup(name);
  return 0;
}
EXPORT int nvrtcCompileProgram(Prog *p, int n, const char *const *opts) {
  const char *fail = getenv("FAKE_NVRTC_FAIL");
  char want[128];
  snprintf(want, sizeof want, "%s.cu", fail ? fail : "");
  if (fail && !strcmp(p->name, want)) {
    snprintf(p->log, sizeof p->log, "%s(1): error: fake failure", p->name);
    return 6;  // NVRTC_ERROR_COMPILATION
  }
  p->size = 64;
  p->image = calloc(1, p->size);
  snprintf(p->image, p->size, "FAKECUBIN %s %s", p->name, n ? opts[n - 1] : "");
  return 0;
}
EXPORT int nvrtcGetProgramLogSize(Prog *p, size_t *n) { *n = strlen(p->log) + 1; return 0; }
EXPORT int nvrtcGetProgramLog(Prog *p, char *log) { strcpy(log, p->log); return 0; }
EXPORT int nvrtcGetCUBINSize(Prog *p, size_t *n) { *n = p->size; return 0; }
EXPORT int nvrtcGetCUBIN(Prog *p, char *out) { memcpy(out, p->image, p->size); return 0; }
EXPORT int nvrtcGetPTXSize(Prog *p, size_t *n) { *n = p->size; return 0; }
EXPORT int nvrtcGetPTX(Prog *p, char *out) { memcpy(out, p->image, p->size); return 0; }
EXPORT int nvrtcDestroyProgram(Prog **p) { free((*p)->name); free((*p)->image); free(*p); *p = NULL; return 0; }
EXPORT const char *nvrtcGetErrorString(int r) { return r == 6 ? "NVRTC_ERROR_COMPILATION" : "NVRTC_ERROR"; }
#endif

#ifdef FAKE_CUBLAS
EXPORT int cublasCreate_v2(void **h) {
  if (getenv("FAKE_CUBLAS_FAIL")) return 3;  // CUBLAS_STATUS_ALLOC_FAILED
  *h = malloc(8);
  return 0;
}
EXPORT int cublasDestroy_v2(void *h) { free(h); return 0; }
EXPORT int cublasGetVersion_v2(void *h, int *v) { *v = 130000; return 0; }
EXPORT int cublasSetStream_v2(void *h, void *s) { return 0; }
#define GEMM(NAME, T)                                                                                        \
  EXPORT int NAME(void *h, int ta, int tb, int m, int n, int k, const T *alpha, const T *A, int lda,         \
                  long long sA, const T *B, int ldb, long long sB, const T *beta, T *C, int ldc, long long sC, \
                  int batch) {                                                                               \
    for (int t = 0; t < batch; t++)                                                                          \
      for (int j = 0; j < n; j++)                                                                            \
        for (int i = 0; i < m; i++) {                                                                        \
          double s = 0;                                                                                      \
          for (int p = 0; p < k; p++) {                                                                      \
            double a = ta ? A[t * sA + (long)i * lda + p] : A[t * sA + (long)p * lda + i];                    \
            double b = tb ? B[t * sB + (long)p * ldb + j] : B[t * sB + (long)j * ldb + p];                    \
            s += a * b;                                                                                      \
          }                                                                                                  \
          T *c = C + t * sC + (long)j * ldc + i;                                                             \
          *c = (T)(*alpha * s + (*beta != 0 ? *beta * *c : 0));                                              \
        }                                                                                                    \
    return 0;                                                                                                \
  }
GEMM(cublasSgemmStridedBatched, float)
GEMM(cublasDgemmStridedBatched, double)
#endif

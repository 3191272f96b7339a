// Optimizer updates (the fused ops of @rnn/tensor's ops/optim.ts), one thread per element, in double
// with the CPU kernel's operations in the same order; the host computes the step's scalars as the CPU
// kernel does. Outputs are new buffers (the tensor layer assigns them back).

// adamUpdate: p, g, m, v, [vmax] -> p', m', v', [vmax']. vmax null without AMSGrad.
#define ADAM(SUFFIX, T)                                                                                       \
  extern "C" __global__ void adam_##SUFFIX(T *p1, T *m1, T *v1, T *vmax1, const T *p, const T *g, const T *m, \
                                           const T *v, const T *vmax, int n, double beta1, double beta2,      \
                                           double c1, double c2, double stepSize, double bias2Sqrt,           \
                                           double eps, double decay, double l2, double sign) {                \
    GRID_STRIDE(i, n) {                                                                                       \
      double pi = (double)p[i];                                                                               \
      double gi = sign * (double)g[i] + l2 * pi;                                                              \
      double mi = (double)m[i] * beta1 + gi * c1;                                                             \
      double vi = (double)v[i] * beta2 + gi * c2 * gi;                                                        \
      m1[i] = (T)mi;                                                                                          \
      v1[i] = (T)vi;                                                                                          \
      double s = vi;                                                                                          \
      if (vmax) {                                                                                             \
        double w = (double)vmax[i];                                                                           \
        s = (w != w || vi != vi) ? NAN_D : w > vi ? w : vi;                                                   \
        vmax1[i] = (T)s;                                                                                      \
      }                                                                                                       \
      p1[i] = (T)(pi * decay - (mi / (sqrt(s) / bias2Sqrt + eps)) * stepSize);                                \
    }                                                                                                         \
  }
ADAM(f32, float)
ADAM(f64, double)

// sgdUpdate: p, g, [buf] -> p', [buf']. momentum 0: no buffer (buf, buf1 null).
#define SGD(SUFFIX, T)                                                                                        \
  extern "C" __global__ void sgd_##SUFFIX(T *p1, T *b1, const T *p, const T *g, const T *buf, int n,         \
                                          double lr, double momentum, double damp, double wd, double sign,    \
                                          int first, int nesterov) {                                          \
    GRID_STRIDE(i, n) {                                                                                       \
      double pi = (double)p[i];                                                                               \
      double d = sign * (double)g[i] + wd * pi;                                                               \
      if (!b1) {                                                                                              \
        p1[i] = (T)(pi - d * lr);                                                                             \
      } else {                                                                                                \
        double b = first ? d : (double)buf[i] * momentum + d * damp;                                          \
        b1[i] = (T)b;                                                                                         \
        p1[i] = (T)(pi - (nesterov ? d + b * momentum : b) * lr);                                             \
      }                                                                                                       \
    }                                                                                                         \
  }
SGD(f32, float)
SGD(f64, double)

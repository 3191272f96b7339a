// Compiled (not run) by check-kernels.sh against the CUDA SDK's cuda.h: each driver entry point the
// addon declares in src/native/cuda_api.h must match the SDK's in arity and in the size of every
// parameter and of the result (the SDK's enums and handles are ints and pointers, as ours).
#include <cuda.h>

#include <cstddef>
#include <tuple>

#include "../src/native/cuda_api.h"

template <class F>
struct Traits;
template <class R, class... A>
struct Traits<R (*)(A...)> {
  using Ret = R;
  using Args = std::tuple<A...>;
};

template <class T, class U, std::size_t... I>
constexpr bool sameSizes(std::index_sequence<I...>) {
  return ((sizeof(std::tuple_element_t<I, T>) == sizeof(std::tuple_element_t<I, U>)) && ...);
}

template <class Ours, class Theirs>
constexpr bool compatible() {
  using O = Traits<Ours>;
  using T = Traits<Theirs>;
  constexpr std::size_t n = std::tuple_size_v<typename O::Args>;
  if constexpr (n != std::tuple_size_v<typename T::Args>) {
    return false;
  } else {
    return sizeof(typename O::Ret) == sizeof(typename T::Ret) &&
           sameSizes<typename O::Args, typename T::Args>(std::make_index_sequence<n>{});
  }
}

#define CHECK(name, symbol, ret, params) \
  static_assert(compatible<cu::name##_t, decltype(&::name)>(), #name " does not match cuda.h");
CU_DRIVER_FUNCTIONS(CHECK)

int main() { return 0; }

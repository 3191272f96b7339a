// The fiber scheduler and the driver entry points that load and launch emulated kernels: linked with
// the fake driver (test/fake-cuda/fake_cuda.c, built with FAKE_EMULATE) into a libcuda stand-in that
// runs the real kernels on the CPU. See emulate.h.
#include <ucontext.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "emulate.h"

namespace emu {

EmuDim3 block_index, block_dim, grid_dim;

namespace {

enum State { RUNNING, WAITING, DONE };

struct Fiber {
  ucontext_t ctx;
  EmuDim3 index;
  State state;
  char *stack;
};

constexpr size_t STACK = 256 * 1024;
ucontext_t scheduler;
std::vector<Fiber> fibers;
int current = 0;
Thunk body = nullptr;
const char *params = nullptr;
std::vector<unsigned long long> slots;

void entry() {
  body(params);
  fibers[current].state = DONE;
  swapcontext(&fibers[current].ctx, &scheduler);
}

int linear(const EmuDim3 &t) { return (int)(t.x + block_dim.x * (t.y + block_dim.y * t.z)); }

void run_block(int threads) {
  if ((int)fibers.size() < threads) {
    size_t old = fibers.size();
    fibers.resize(threads);
    for (size_t i = old; i < fibers.size(); i++) fibers[i].stack = static_cast<char *>(std::malloc(STACK));
  }
  slots.assign(threads, 0);
  for (int i = 0; i < threads; i++) {
    Fiber &f = fibers[i];
    f.index = {(unsigned)(i % block_dim.x), (unsigned)((i / block_dim.x) % block_dim.y),
               (unsigned)(i / (block_dim.x * block_dim.y))};
    f.state = RUNNING;
    getcontext(&f.ctx);
    f.ctx.uc_stack.ss_sp = f.stack;
    f.ctx.uc_stack.ss_size = STACK;
    f.ctx.uc_link = nullptr;
    makecontext(&f.ctx, entry, 0);
  }
  // EMU_REVERSE=1 runs threads (and blocks) last to first: a kernel whose result depends on the
  // order threads run in between barriers (a missing __syncthreads, a race) gives another answer
  static const bool reverse = std::getenv("EMU_REVERSE") != nullptr;
  for (;;) {
    bool alive = false;
    for (int k = 0; k < threads; k++) {
      int i = reverse ? threads - 1 - k : k;
      if (fibers[i].state != RUNNING) continue;
      current = i;
      swapcontext(&scheduler, &fibers[i].ctx);
    }
    // every fiber now waits at the barrier or is done: release the barrier
    for (int i = 0; i < threads; i++) {
      if (fibers[i].state == WAITING) {
        fibers[i].state = RUNNING;
        alive = true;
      }
    }
    if (!alive) return;
  }
}

std::map<std::string, std::map<std::string, Thunk>> &registry() {
  static std::map<std::string, std::map<std::string, Thunk>> r;
  return r;
}

}  // namespace

const EmuDim3 &thread_index() { return fibers[current].index; }

void sync_threads() {
  fibers[current].state = WAITING;
  swapcontext(&fibers[current].ctx, &scheduler);
}

unsigned long long exchange(unsigned long long bits, int lane_xor) {
  int me = linear(fibers[current].index);
  slots[me] = bits;
  sync_threads();
  unsigned long long out = slots[me ^ lane_xor];
  sync_threads();
  return out;
}

bool any_in_warp(bool p) {
  int me = linear(fibers[current].index);
  slots[me] = p;
  sync_threads();
  bool any = false;
  for (int l = me & ~31; l < (me & ~31) + 32 && l < (int)slots.size(); l++) any = any || slots[l];
  sync_threads();
  return any;
}

void register_module(const char *name, const Entry *entries, int count) {
  auto &m = registry()[name];
  for (int i = 0; i < count; i++) m[entries[i].name] = entries[i].thunk;
}

Thunk find(const std::string &module, const char *name) {
  auto m = registry().find(module);
  if (m == registry().end()) return nullptr;
  auto k = m->second.find(name);
  return k == m->second.end() ? nullptr : k->second;
}

void launch(Thunk thunk, const char *args, EmuDim3 grid, EmuDim3 block) {
  body = thunk;
  params = args;
  grid_dim = grid;
  block_dim = block;
  int threads = (int)(block.x * block.y * block.z);
  static const bool reverse = std::getenv("EMU_REVERSE") != nullptr;
  for (unsigned z = 0; z < grid.z; z++)
    for (unsigned y = 0; y < grid.y; y++)
      for (unsigned x = 0; x < grid.x; x++) {
        block_index = reverse ? EmuDim3{grid.x - 1 - x, grid.y - 1 - y, grid.z - 1 - z} : EmuDim3{x, y, z};
        run_block(threads);
      }
}

}  // namespace emu

// ------------------------------------------------------------------ the driver's module entry points

struct EmuModule {
  std::string name;
};
struct EmuFunction {
  emu::Thunk thunk;
};

extern "C" {
#define EXPORT __attribute__((visibility("default")))

EXPORT int cuModuleLoadDataEx(void **module, const void *image, unsigned, int *, void **) {
  // the fake NVRTC's image: "FAKECUBIN <module>.cu <options>"
  char name[128] = {0};
  if (std::sscanf(static_cast<const char *>(image), "FAKECUBIN %127[^. ]", name) != 1) return 218;
  *module = new EmuModule{name};
  return 0;
}

EXPORT int cuModuleGetFunction(void **fn, void *module, const char *name) {
  emu::Thunk t = emu::find(static_cast<EmuModule *>(module)->name, name);
  if (!t) return 500;  // CUDA_ERROR_NOT_FOUND
  *fn = new EmuFunction{t};
  return 0;
}

EXPORT int cuModuleUnload(void *module) {
  delete static_cast<EmuModule *>(module);
  return 0;
}

EXPORT long emu_launches = 0;

EXPORT int cuLaunchKernel(void *fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                          unsigned, void *, void **, void **extra) {
  if (!extra || extra[0] != (void *)1 || extra[2] != (void *)2) return 1;
  emu_launches++;
  emu::launch(static_cast<EmuFunction *>(fn)->thunk, static_cast<const char *>(extra[1]), {gx, gy, gz},
              {bx, by, bz});
  return 0;
}
}

extern "C" __attribute__((visibility("default"))) int cuFuncSetAttribute(void *, int, int) { return 0; }

/*
 * CPU identification with cpuid (x86-64): vendor, family/model/stepping as the vendors define them
 * (extended fields added), brand string, and the cache hierarchy from the deterministic cache
 * parameters leaf (4 on Intel, 0x8000001D on AMD, same layout), or AMD's legacy leaves. Feature
 * bits come from GCC's __builtin_cpu_supports, which also checks that the OS saves the registers.
 */
#include "cpu-info.h"

#include <string.h>

#if RNN_X86
#include <cpuid.h>

static void cpuid(unsigned leaf, unsigned sub, unsigned r[4]) {
  r[0] = r[1] = r[2] = r[3] = 0;
  __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
}

static void add_cache(rnn_cpu *cpu, int level, char type, long long size, int line, int ways, int shared_by) {
  if (cpu->n_caches >= RNN_MAX_CACHES || size <= 0) return;
  rnn_cache *c = &cpu->caches[cpu->n_caches++];
  c->level = level, c->type = type, c->size = size, c->line = line, c->ways = ways, c->shared_by = shared_by;
}

/* Leaf 4 (Intel) or 0x8000001D (AMD with topology extensions): one sub-leaf per cache until type 0. */
static void deterministic_caches(rnn_cpu *cpu, unsigned leaf) {
  for (unsigned sub = 0; sub < 16; sub++) {
    unsigned r[4];
    cpuid(leaf, sub, r);
    const unsigned type = r[0] & 31;
    if (type == 0) break;
    const int level = (r[0] >> 5) & 7;
    const int ways = (int)((r[1] >> 22) & 0x3ff) + 1;
    const int partitions = (int)((r[1] >> 12) & 0x3ff) + 1;
    const int line = (int)(r[1] & 0xfff) + 1;
    const long long sets = (long long)r[2] + 1;
    const int shared_by = (int)((r[0] >> 14) & 0xfff) + 1;
    add_cache(cpu, level, type == 1 ? 'D' : type == 2 ? 'I' : 'U', (long long)ways * partitions * line * sets, line,
              ways, shared_by);
  }
}

static void detect(rnn_cpu *cpu) {
  unsigned r[4];
  cpuid(0, 0, r);
  const unsigned max_leaf = r[0];
  memcpy(cpu->vendor, &r[1], 4);
  memcpy(cpu->vendor + 4, &r[3], 4);
  memcpy(cpu->vendor + 8, &r[2], 4);
  cpu->vendor[12] = 0;
  cpuid(1, 0, r);
  const int base_family = (r[0] >> 8) & 15, base_model = (r[0] >> 4) & 15;
  cpu->family = base_family == 15 ? base_family + (int)((r[0] >> 20) & 0xff) : base_family;
  cpu->model = base_family == 6 || base_family == 15 ? base_model + (int)(((r[0] >> 16) & 15) << 4) : base_model;
  cpu->stepping = r[0] & 15;

  cpuid(0x80000000u, 0, r);
  const unsigned max_ext = r[0];
  if (max_ext >= 0x80000004u) {
    char brand[49];
    for (unsigned i = 0; i < 3; i++) {
      cpuid(0x80000002u + i, 0, r);
      memcpy(brand + 16 * i, r, 16);
    }
    brand[48] = 0;
    const char *s = brand;
    while (*s == ' ') s++;
    strncpy(cpu->brand, s, sizeof cpu->brand - 1);
    for (int n = (int)strlen(cpu->brand); n > 0 && cpu->brand[n - 1] == ' '; n--) cpu->brand[n - 1] = 0;
  }

  __builtin_cpu_init();
  cpu->avx2 = __builtin_cpu_supports("avx2") != 0;
  cpu->fma = __builtin_cpu_supports("fma") != 0;
  cpu->avx512f = __builtin_cpu_supports("avx512f") != 0;
  cpu->avx512vl = __builtin_cpu_supports("avx512vl") != 0;

  const int amd = strcmp(cpu->vendor, "AuthenticAMD") == 0 || strcmp(cpu->vendor, "HygonGenuine") == 0;
  if (amd) {
    cpuid(0x80000001u, 0, r);
    const int topoext = (r[2] >> 22) & 1;
    if (topoext && max_ext >= 0x8000001Du) deterministic_caches(cpu, 0x8000001Du);
    if (cpu->n_caches == 0 && max_ext >= 0x80000006u) {
      cpuid(0x80000005u, 0, r);
      add_cache(cpu, 1, 'D', (long long)(r[2] >> 24) * 1024, (int)(r[2] & 0xff), (int)((r[2] >> 16) & 0xff), 1);
      cpuid(0x80000006u, 0, r);
      add_cache(cpu, 2, 'U', (long long)(r[2] >> 16) * 1024, (int)(r[2] & 0xff), 0, 1);
      add_cache(cpu, 3, 'U', (long long)(r[3] >> 18) * 512 * 1024, (int)(r[3] & 0xff), 0, 0);
    }
  } else if (max_leaf >= 4) {
    deterministic_caches(cpu, 4);
  }
}
#endif /* RNN_X86 */

void rnn_cpu_detect(rnn_cpu *out) {
  static rnn_cpu cached;
  static int done;
  if (!done) {
    memset(&cached, 0, sizeof cached);
#if RNN_X86
    detect(&cached);
#elif RNN_NEON
    strcpy(cached.vendor, "arm64");
    cached.neon = 1;
#else
    strcpy(cached.vendor, "unknown");
#endif
    done = 1;
  }
  *out = cached;
}

long long rnn_cpu_cache_size(const rnn_cpu *cpu, int level) {
  for (int i = 0; i < cpu->n_caches; i++)
    if (cpu->caches[i].level == level && cpu->caches[i].type != 'I') return cpu->caches[i].size;
  return 0;
}

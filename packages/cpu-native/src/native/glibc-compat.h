/*
 * Links the Linux builds against the oldest glibc symbol versions, so the prebuilt addon loads on
 * glibc 2.17 and newer (CentOS/RHEL 7, Ubuntu 14.04, Debian 8, Amazon Linux 2) although it is built on
 * a current Debian: without these, the linker binds the newest versions it sees (exp@GLIBC_2.29,
 * pthread_create@GLIBC_2.34, ...) and older systems refuse the file. Force-included by
 * scripts/build.sh (`-include`); `test/prebuilds.test.ts` reads every prebuild's ELF version needs
 * and fails above 2.17.
 *
 * Each line names a function the addon calls whose default version is newer than the baseline; the
 * older versions are the same functions kept for binaries built against old glibc (exp and log: the
 * wrapper that also sets errno; memcpy: the one that tolerates overlap; pthread_*: the same code,
 * which moved from libpthread into libc in 2.34).
 */
#ifndef RNN_GLIBC_COMPAT_H
#define RNN_GLIBC_COMPAT_H

#if defined(__linux__)
#include <features.h> /* defines __GLIBC__ (musl has no symbol versions: nothing to do there) */
#endif

#if defined(__linux__) && defined(__GLIBC__)
#if defined(__x86_64__)
#define RNN_GLIBC_BASE "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define RNN_GLIBC_BASE "GLIBC_2.17"
#else
#error "glibc-compat.h: unknown architecture"
#endif
#define RNN_SYMVER(name) __asm__(".symver " #name "," #name "@" RNN_GLIBC_BASE)
RNN_SYMVER(memcpy);
RNN_SYMVER(exp);
RNN_SYMVER(expf);
RNN_SYMVER(log);
RNN_SYMVER(pthread_create);
RNN_SYMVER(pthread_detach);
RNN_SYMVER(pthread_join);
#undef RNN_SYMVER
#endif

#endif

// Binds the few glibc functions that moved into libc.so.6 in glibc 2.32-2.34 (dl* and pthread_*)
// to their original symbol versions, which every glibc since still exports. Without this a
// build on a new glibc requires GLIBC_2.34 and the prebuild would not load on RHEL 8,
// Debian 11 or Ubuntu 20.04, where Node 22+ runs (Node itself needs glibc 2.28).
// test/api.test.ts checks the built addon needs nothing newer than GLIBC_2.28.
// Include it before any use of these functions, in every file that calls them.
#pragma once

#include <features.h>  // defines __GLIBC__

#if defined(__GLIBC__)
#if defined(__x86_64__)
#define SECCOMP_NODE_GLIBC_BASE "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define SECCOMP_NODE_GLIBC_BASE "GLIBC_2.17"
#endif

#ifdef SECCOMP_NODE_GLIBC_BASE
__asm__(".symver dlopen,dlopen@" SECCOMP_NODE_GLIBC_BASE);
__asm__(".symver dlsym,dlsym@" SECCOMP_NODE_GLIBC_BASE);
__asm__(".symver dlerror,dlerror@" SECCOMP_NODE_GLIBC_BASE);
__asm__(".symver pthread_create,pthread_create@" SECCOMP_NODE_GLIBC_BASE);
__asm__(".symver pthread_join,pthread_join@" SECCOMP_NODE_GLIBC_BASE);
__asm__(".symver pthread_once,pthread_once@" SECCOMP_NODE_GLIBC_BASE);
__asm__(".symver pthread_sigmask,pthread_sigmask@" SECCOMP_NODE_GLIBC_BASE);
#endif
#endif

/*
 * The launcher's runtime (launcher_runtime.c): what it needs beyond the system calls and
 * string functions, whose prototypes come from the system's headers.
 */
#ifndef SECCOMP_NODE_LAUNCHER_RUNTIME_H_
#define SECCOMP_NODE_LAUNCHER_RUNTIME_H_

#include <stddef.h>

/* The launcher's entry, called by the runtime's _start. */
int main(int argc, char** argv);

/* Zeroed memory that is never freed; NULL when none is left. */
void* rt_alloc(size_t n);

/* "EACCES" for the errno values the launcher may meet; NULL for others. */
const char* rt_errno_name(int err);

/* A raw system call: -1 with errno set on failure. */
long rt_syscall6(long nr, long a, long b, long c, long d, long e, long f);

#endif /* SECCOMP_NODE_LAUNCHER_RUNTIME_H_ */

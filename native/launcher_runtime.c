/*
 * The launcher's own C runtime: its entry point, raw system calls, and the few library
 * functions it and the files it shares with the addon (exec_image.c, landlock_ruleset.c)
 * use. The launcher runs once per sandboxed child, between the parent's spawn and the
 * program's exec; glibc's static start-up (self-relocation, IRELATIVE resolution, TLS,
 * stdio) cost more than all of its own work, so it links against nothing (-nostdlib) and
 * brings this instead. Only x86_64 and aarch64, the architectures the prebuilds cover.
 *
 * Prototypes come from the system's headers, so that these definitions match what the
 * shared files were compiled against. Nothing here is async-signal-unsafe or keeps state
 * beyond errno and the allocator's cursor: the launcher is single-threaded and short-lived.
 */
#define _GNU_SOURCE
#include "launcher_runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#if !defined(__x86_64__) && !defined(__aarch64__)
#error "the launcher's runtime supports x86_64 and aarch64"
#endif

#define AT_PAGESZ_TAG 6

char** environ;
static int rt_errno;
static long rt_page_size = 4096;

int* __errno_location(void) {
  return &rt_errno;
}

long rt_syscall6(long nr, long a, long b, long c, long d, long e, long f) {
#if defined(__x86_64__)
  register long rax __asm__("rax") = nr;
  register long rdi __asm__("rdi") = a;
  register long rsi __asm__("rsi") = b;
  register long rdx __asm__("rdx") = c;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall"
                   : "+r"(rax)
                   : "r"(rdi), "r"(rsi), "r"(rdx), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  long ret = rax;
#else
  register long x8 __asm__("x8") = nr;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc #0"
                   : "+r"(x0)
                   : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                   : "memory");
  long ret = x0;
#endif
  if (ret < 0 && ret > -4096) {
    rt_errno = (int)-ret;
    return -1;
  }
  return ret;
}

#define SC(nr, a, b, c, d, e, f) \
  rt_syscall6((nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

long syscall(long number, ...) {
  va_list ap;
  va_start(ap, number);
  long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long);
  long d = va_arg(ap, long), e = va_arg(ap, long), f = va_arg(ap, long);
  va_end(ap);
  return rt_syscall6(number, a, b, c, d, e, f);
}

ssize_t read(int fd, void* buf, size_t n) {
  return SC(SYS_read, fd, buf, n, 0, 0, 0);
}
ssize_t write(int fd, const void* buf, size_t n) {
  return SC(SYS_write, fd, buf, n, 0, 0, 0);
}
int close(int fd) {
  return (int)SC(SYS_close, fd, 0, 0, 0, 0, 0);
}
pid_t getpid(void) {
  return (pid_t)SC(SYS_getpid, 0, 0, 0, 0, 0, 0);
}
pid_t getppid(void) {
  return (pid_t)SC(SYS_getppid, 0, 0, 0, 0, 0, 0);
}

int open(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  int mode = (flags & (O_CREAT | __O_TMPFILE)) ? va_arg(ap, int) : 0;
  va_end(ap);
  return (int)SC(SYS_openat, AT_FDCWD, path, flags, mode, 0, 0);
}

int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  return (int)SC(SYS_fcntl, fd, cmd, arg, 0, 0, 0);
}

int prctl(int option, ...) {
  va_list ap;
  va_start(ap, option);
  long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long), d = va_arg(ap, long);
  va_end(ap);
  return (int)SC(SYS_prctl, option, a, b, c, d, 0);
}

ssize_t send(int fd, const void* buf, size_t n, int flags) {
  return SC(SYS_sendto, fd, buf, n, flags, 0, 0);
}

void* mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset) {
  long r = SC(SYS_mmap, addr, length, prot, flags, fd, offset);
  return r == -1 ? MAP_FAILED : (void*)r;
}
int munmap(void* addr, size_t length) {
  return (int)SC(SYS_munmap, addr, length, 0, 0, 0, 0);
}
int mprotect(void* addr, size_t length, int prot) {
  return (int)SC(SYS_mprotect, addr, length, prot, 0, 0, 0);
}
ssize_t getrandom(void* buf, size_t n, unsigned int flags) {
  return SC(SYS_getrandom, buf, n, flags, 0, 0, 0);
}
long sysconf(int name) {
  return name == _SC_PAGESIZE ? rt_page_size : -1;
}

void _exit(int status) {
  for (;;) SC(SYS_exit_group, status, 0, 0, 0, 0, 0);
}

void* memcpy(void* dst, const void* src, size_t n) {
  unsigned char* d = dst;
  const unsigned char* s = src;
  while (n--) *d++ = *s++;
  return dst;
}

void* memmove(void* dst, const void* src, size_t n) {
  unsigned char* d = dst;
  const unsigned char* s = src;
  if (d < s) {
    while (n--) *d++ = *s++;
  } else {
    while (n--) d[n] = s[n];
  }
  return dst;
}

void* memset(void* dst, int c, size_t n) {
  unsigned char* d = dst;
  while (n--) *d++ = (unsigned char)c;
  return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (; n; n--, x++, y++) {
    if (*x != *y) return *x - *y;
  }
  return 0;
}

size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

char* strncpy(char* dst, const char* src, size_t n) {
  size_t i = 0;
  for (; i < n && src[i]; i++) dst[i] = src[i];
  for (; i < n; i++) dst[i] = '\0';
  return dst;
}

/* A bump allocator: the launcher frees nothing and ends within a millisecond. */
void* rt_alloc(size_t n) {
  static unsigned char* cursor;
  static size_t left;
  n = (n + 15) & ~(size_t)15;
  if (n > left) {
    size_t chunk = n > (1u << 20) ? n : (1u << 20);
    void* p = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    cursor = p;
    left = chunk;
  }
  void* out = cursor;
  cursor += n;
  left -= n;
  return out; /* fresh anonymous memory: already zero */
}

const char* rt_errno_name(int err) {
  switch (err) {
    case EPERM:
      return "EPERM";
    case ENOENT:
      return "ENOENT";
    case ESRCH:
      return "ESRCH";
    case EINTR:
      return "EINTR";
    case EIO:
      return "EIO";
    case E2BIG:
      return "E2BIG";
    case ENOEXEC:
      return "ENOEXEC";
    case EBADF:
      return "EBADF";
    case EAGAIN:
      return "EAGAIN";
    case ENOMEM:
      return "ENOMEM";
    case EACCES:
      return "EACCES";
    case EFAULT:
      return "EFAULT";
    case EBUSY:
      return "EBUSY";
    case EEXIST:
      return "EEXIST";
    case ENOTDIR:
      return "ENOTDIR";
    case EISDIR:
      return "EISDIR";
    case EINVAL:
      return "EINVAL";
    case ENFILE:
      return "ENFILE";
    case EMFILE:
      return "EMFILE";
    case ETXTBSY:
      return "ETXTBSY";
    case EPIPE:
      return "EPIPE";
    case EDOM:
      return "EDOM";
    case ENAMETOOLONG:
      return "ENAMETOOLONG";
    case ENOSYS:
      return "ENOSYS";
    case ELOOP:
      return "ELOOP";
    case EPROTO:
      return "EPROTO";
    case EOPNOTSUPP:
      return "EOPNOTSUPP";
    case ELIBBAD:
      return "ELIBBAD";
    default:
      return NULL;
  }
}

/* The entry point: argc, argv and envp from the initial stack, the page size from auxv. */
__attribute__((used)) void rt_start(long* sp) {
  int argc = (int)sp[0];
  char** argv = (char**)(sp + 1);
  char** envp = argv + argc + 1;
  environ = envp;
  char** p = envp;
  while (*p) p++;
  for (uintptr_t* aux = (uintptr_t*)(p + 1); aux[0] != 0; aux += 2) {
    if (aux[0] == AT_PAGESZ_TAG) rt_page_size = (long)aux[1];
  }
  _exit(main(argc, argv));
}

#if defined(__x86_64__)
__asm__(
    ".text\n"
    ".global _start\n"
    "_start:\n"
    "  xor %rbp, %rbp\n"
    "  mov %rsp, %rdi\n"
    "  and $-16, %rsp\n"
    "  call rt_start\n"
    "  hlt\n");
#else
__asm__(
    ".text\n"
    ".global _start\n"
    "_start:\n"
    "  mov x29, #0\n"
    "  mov x30, #0\n"
    "  mov x0, sp\n"
    "  and sp, x0, #-16\n"
    "  bl rt_start\n"
    "  brk #0\n");
#endif

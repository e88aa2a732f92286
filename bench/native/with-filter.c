/*
 * with-filter: runs a command under a seccomp filter loaded before it starts, as a
 * container runtime does with its profile.
 *
 *   with-filter BPF_FILE COMMAND [ARG...]
 *
 * BPF_FILE holds a struct sock_filter[] program (Filter#exportBpf()). The filter is loaded
 * with no_new_privs into this single-threaded process, then COMMAND is executed and
 * inherits it (with every thread it creates). The filter must allow execve.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fail(const char *what) {
  fprintf(stderr, "with-filter: %s: %s\n", what, strerror(errno));
  return 126;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s BPF_FILE COMMAND [ARG...]\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) return fail("open BPF file");
  struct stat st;
  if (fstat(fileno(f), &st) != 0) return fail("stat BPF file");
  if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 || st.st_size > 4096 * 8) {
    fprintf(stderr, "with-filter: %s is not a BPF program of 1-4096 instructions\n", argv[1]);
    return 2;
  }
  struct sock_filter *insns = malloc((size_t)st.st_size);
  if (!insns || fread(insns, 1, (size_t)st.st_size, f) != (size_t)st.st_size) return fail("read BPF file");
  fclose(f);
  struct sock_fprog prog = { .len = (unsigned short)(st.st_size / sizeof(struct sock_filter)), .filter = insns };
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return fail("PR_SET_NO_NEW_PRIVS");
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) return fail("seccomp(SECCOMP_SET_MODE_FILTER)");
  execvp(argv[2], argv + 2);
  return fail("execvp");
}

/*
 * syscall-loop: times raw system calls, optionally under a seccomp filter.
 *
 *   syscall-loop BPF_FILE|- ITERATIONS BATCHES CASE...
 *
 * BPF_FILE holds a struct sock_filter[] program (as exported by Filter#exportBpf()), or
 * "-" for no filter (the baseline). Each CASE is "label:nr:a0:a1:a2"; an argument written
 * "fd" stands for a descriptor open on /dev/null. For every batch, each case runs
 * ITERATIONS calls in turn (cases interleaved, so drift hits all of them alike) and the
 * batch's nanoseconds per call are printed, in CPU time of the thread ("ns") and in
 * elapsed time ("wallNs"). Output is one JSON object on stdout.
 *
 * Single-threaded, so the filter is loaded without TSYNC. After loading, the program only
 * makes the measured calls, clock_gettime (normally the vDSO), write and exit_group.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_CASES 8
#define MAX_BATCHES 64

struct call {
  const char *label;
  long nr;
  long args[3];
  long first_result;
  int first_errno;
  double ns[MAX_BATCHES];      /* CPU time of this thread per call */
  double wall_ns[MAX_BATCHES]; /* elapsed (monotonic) time per call */
};

static char out[32768];
static size_t out_len;

static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(out + out_len, sizeof out - out_len, fmt, ap);
  va_end(ap);
  if (n > 0) out_len += (size_t)n < sizeof out - out_len ? (size_t)n : sizeof out - out_len - 1;
}

static void die(const char *what) {
  fprintf(stderr, "syscall-loop: %s: %s\n", what, strerror(errno));
  exit(2);
}

static void flush_and_exit(int code) {
  size_t done = 0;
  while (done < out_len) {
    ssize_t n = write(1, out + done, out_len - done);
    if (n <= 0) break;
    done += (size_t)n;
  }
  syscall(SYS_exit_group, code);
  _exit(code);
}

static long parse_long(const char *text, int fd) {
  if (strcmp(text, "fd") == 0) return fd;
  char *end = NULL;
  errno = 0;
  long value = strtol(text, &end, 0);
  if (errno || !end || *end) {
    fprintf(stderr, "syscall-loop: bad number \"%s\"\n", text);
    exit(2);
  }
  return value;
}

static double now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/*
 * Times `iterations` calls. The thread's CPU time is the primary figure: it leaves out
 * time spent preempted by other processes on a shared machine. Wall time is kept too.
 */
static void time_calls(const struct call *c, long iterations, double *cpu_ns, double *wall_ns) {
  const long nr = c->nr, a0 = c->args[0], a1 = c->args[1], a2 = c->args[2];
  double wall0 = now_ns(CLOCK_MONOTONIC);
  double cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
  for (long i = 0; i < iterations; i++) syscall(nr, a0, a1, a2);
  double cpu1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
  double wall1 = now_ns(CLOCK_MONOTONIC);
  if (cpu_ns) *cpu_ns = (cpu1 - cpu0) / (double)iterations;
  if (wall_ns) *wall_ns = (wall1 - wall0) / (double)iterations;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s BPF_FILE|- ITERATIONS BATCHES label:nr:a0:a1:a2...\n", argv[0]);
    return 2;
  }
  int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (fd < 0) die("open /dev/null");
  long iterations = parse_long(argv[2], fd);
  long batches = parse_long(argv[3], fd);
  if (iterations < 1 || batches < 1 || batches > MAX_BATCHES) {
    fprintf(stderr, "syscall-loop: ITERATIONS >= 1 and 1 <= BATCHES <= %d\n", MAX_BATCHES);
    return 2;
  }
  int ncases = argc - 4;
  if (ncases > MAX_CASES) {
    fprintf(stderr, "syscall-loop: at most %d cases\n", MAX_CASES);
    return 2;
  }
  static struct call calls[MAX_CASES];
  for (int i = 0; i < ncases; i++) {
    char *spec = strdup(argv[4 + i]);
    char *fields[5];
    int n = 0;
    for (char *tok = strtok(spec, ":"); tok && n < 5; tok = strtok(NULL, ":")) fields[n++] = tok;
    if (n != 5) {
      fprintf(stderr, "syscall-loop: a case is label:nr:a0:a1:a2, not \"%s\"\n", argv[4 + i]);
      return 2;
    }
    calls[i].label = fields[0];
    calls[i].nr = parse_long(fields[1], fd);
    for (int k = 0; k < 3; k++) calls[i].args[k] = parse_long(fields[2 + k], fd);
  }

  int filtered = strcmp(argv[1], "-") != 0;
  if (filtered) {
    FILE *f = fopen(argv[1], "rb");
    if (!f) die("open BPF file");
    struct stat st;
    if (fstat(fileno(f), &st) != 0) die("stat BPF file");
    if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 || st.st_size > 4096 * 8) {
      fprintf(stderr, "syscall-loop: %s is not a BPF program of 1-4096 instructions\n", argv[1]);
      return 2;
    }
    struct sock_filter *insns = malloc((size_t)st.st_size);
    if (!insns || fread(insns, 1, (size_t)st.st_size, f) != (size_t)st.st_size) die("read BPF file");
    fclose(f);
    struct sock_fprog prog = { .len = (unsigned short)(st.st_size / sizeof(struct sock_filter)), .filter = insns };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("PR_SET_NO_NEW_PRIVS");
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) die("seccomp(SECCOMP_SET_MODE_FILTER)");
  }
  /* From here on: only the measured calls, clock_gettime, write and exit_group. */

  for (int i = 0; i < ncases; i++) {
    errno = 0;
    calls[i].first_result = syscall(calls[i].nr, calls[i].args[0], calls[i].args[1], calls[i].args[2]);
    calls[i].first_errno = calls[i].first_result == -1 ? errno : 0;
    time_calls(&calls[i], iterations / 10 + 1, NULL, NULL); /* warm-up */
  }
  for (long b = 0; b < batches; b++) {
    for (int i = 0; i < ncases; i++) time_calls(&calls[i], iterations, &calls[i].ns[b], &calls[i].wall_ns[b]);
  }

  emit("{\"filtered\":%s,\"iterations\":%ld,\"batches\":%ld,\"cases\":[", filtered ? "true" : "false", iterations, batches);
  for (int i = 0; i < ncases; i++) {
    emit("%s{\"label\":\"%s\",\"nr\":%ld,\"result\":%ld,\"errno\":%d,\"ns\":[", i ? "," : "", calls[i].label,
         calls[i].nr, calls[i].first_result, calls[i].first_errno);
    for (long b = 0; b < batches; b++) emit("%s%.3f", b ? "," : "", calls[i].ns[b]);
    emit("],\"wallNs\":[");
    for (long b = 0; b < batches; b++) emit("%s%.3f", b ? "," : "", calls[i].wall_ns[b]);
    emit("]}");
  }
  emit("]}\n");
  flush_and_exit(0);
  return 0;
}

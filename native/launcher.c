/*
 * seccomp-node-launcher: starts one program under the policy a parent compiled for it, from
 * the program's first instruction. sandbox.spawn, execFile and fork, runSandboxed, chaos,
 * `seccomp-node run` and learn start it in place of the program:
 *
 *   seccomp-node-launcher CHANNEL_FD EXECUTABLE ARGV0 [ARG...]
 *
 * with the program's environment. CHANNEL_FD is a SOCK_SEQPACKET socket that already holds
 * the configuration (launcher_protocol.h): the BPF programs, compiled, verified and cached
 * per policy by the parent, and the Landlock ruleset. The launcher
 *
 *   1. reads it; with LAUNCHER_DEATH_SIGNAL, arranges to die with its parent;
 *   2. lays the exec out in an exec image (exec_image.h) at a random address, with a scratch
 *      area for the structures its last calls pass, and fills the programs' sites in: its
 *      own pid for `$pid`, the secret addresses for the pinned calls;
 *   3. applies the Landlock ruleset (landlock_ruleset.c), sets no_new_privs, and loads the
 *      programs in order, the notifying one with SECCOMP_FILTER_FLAG_NEW_LISTENER (the
 *      listener is the load's own return value, not libseccomp's seccomp_notify_fd(), which
 *      can answer -EBADF: libseccomp #496);
 *   4. hands the listener and a pidfd of itself to the parent (sendmsg with SCM_RIGHTS), and
 *      execs the program, which keeps the pid: the parent's ChildProcess is the program.
 *
 * It links against no C library (launcher_runtime.c): glibc's static start-up cost more than
 * all of its own work.
 *
 * After the first load, every call the launcher makes runs under the programs it loaded,
 * so it makes only three: sendmsg and seccomp with structures in the scratch area, and
 * execve with the image's path, each allowed by a rule that compares the pointer with its
 * secret address (src/launcher/template.ts adds them), and exit_group. A notified call
 * before the listener is handed over would wait for an answer that nobody can give.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "exec_image.h"
#include "landlock_ruleset.h"
#include "launcher_protocol.h"
#include "launcher_runtime.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif

enum { EXIT_NOT_STARTED = 126, EXIT_NOT_FOUND = 127, MAX_IMAGE_ATTEMPTS = 64 };

extern char** environ;

struct program {
  uint32_t flags;
  uint32_t count;
  struct sock_filter* instructions;
  uint32_t site_count;
  const uint8_t* sites; /* { u32 index, u32 kind } */
  uint32_t conflict_count;
  const uint8_t* conflicts; /* u32 pids */
};

struct config {
  uint32_t flags;
  uint32_t death_signal;
  uint32_t parent_pid;
  uint32_t program_count;
  struct program programs[LAUNCHER_MAX_PROGRAMS];
  int landlock;
  struct landlock_ruleset_spec ruleset;
};

/* What the launcher's last calls pass, at addresses nobody else knows (see the top). */
struct scratch {
  struct msghdr msg;
  struct iovec iov;
  struct launcher_message payload;
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(2 * sizeof(int))];
  } control;
  struct sock_fprog fprog;
};

static const char* g_executable = "the program";
static int g_channel = -1;
static pid_t g_pid = 0;  /* taken once: getpid() after a load could be a notified call */
static int g_loaded = 0; /* a program of ours is in force: only pinned calls from here on */
static struct scratch* g_scratch = NULL;

/* ------------------------------------------------------------------------------------ */
/* Failing */

static const char* stage_name(enum launcher_stage stage) {
  switch (stage) {
    case LAUNCHER_STAGE_CONFIG:
      return "reading the launch configuration";
    case LAUNCHER_STAGE_DEATH_SIGNAL:
      return "prctl(PR_SET_PDEATHSIG)";
    case LAUNCHER_STAGE_PIDFD:
      return "pidfd_open";
    case LAUNCHER_STAGE_IMAGE:
      return "preparing the exec image";
    case LAUNCHER_STAGE_PID_CONFLICT:
      return "binding $pid";
    case LAUNCHER_STAGE_LANDLOCK_RULESET:
      return "landlock_create_ruleset";
    case LAUNCHER_STAGE_LANDLOCK_PATH:
      return "landlock_add_rule";
    case LAUNCHER_STAGE_LANDLOCK_PORT:
      return "landlock_add_rule (port)";
    case LAUNCHER_STAGE_LANDLOCK_RESTRICT:
      return "landlock_restrict_self";
    case LAUNCHER_STAGE_NO_NEW_PRIVS:
      return "prctl(PR_SET_NO_NEW_PRIVS)";
    case LAUNCHER_STAGE_LOAD:
      return "seccomp(SECCOMP_SET_MODE_FILTER)";
    case LAUNCHER_STAGE_HANDOFF:
      return "handing the listener over";
    case LAUNCHER_STAGE_EXEC:
      return "execve";
  }
  return "starting";
}

static void fill_message(struct launcher_message* m, uint32_t kind, enum launcher_stage stage,
                         int error, uint32_t detail, const char* text) {
  memset(m, 0, sizeof(*m));
  m->magic = LAUNCHER_MAGIC;
  m->kind = kind;
  m->stage = stage;
  m->error = error;
  m->pid = (uint32_t)g_pid;
  m->detail = detail;
  if (text != NULL) {
    strncpy(m->text, text, sizeof(m->text) - 1);
  }
}

/* Appends `text` to the line being built in `out` (of `size` bytes, NUL-terminated). */
static void append(char* out, size_t size, size_t* used, const char* text) {
  for (; *text != '\0' && *used + 1 < size; text++) out[(*used)++] = *text;
  out[*used] = '\0';
}

static void append_number(char* out, size_t size, size_t* used, unsigned long value) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = (char)('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0 && *used + 1 < size) out[(*used)++] = digits[--n];
  out[*used] = '\0';
}

/*
 * Before the first load: says why on stderr (the program's), tells the parent, and exits.
 * Nothing of ours is in force yet, so any call may be made.
 */
static void fail_before_load(enum launcher_stage stage, int error, uint32_t detail,
                             const char* text) {
  char line[512];
  size_t n = 0;
  append(line, sizeof(line), &n, "seccomp-node: cannot start ");
  append(line, sizeof(line), &n, g_executable);
  append(line, sizeof(line), &n, ": ");
  append(line, sizeof(line), &n, stage_name(stage));
  if (text != NULL) {
    append(line, sizeof(line), &n, " (");
    append(line, sizeof(line), &n, text);
    append(line, sizeof(line), &n, ")");
  }
  append(line, sizeof(line), &n, ": ");
  const char* name = rt_errno_name(error);
  if (name != NULL) {
    append(line, sizeof(line), &n, name);
  } else {
    append(line, sizeof(line), &n, "errno ");
    append_number(line, sizeof(line), &n, (unsigned long)error);
  }
  append(line, sizeof(line), &n, "\n");
  ssize_t ignored = write(2, line, n);
  (void)ignored;
  if (g_channel >= 0) {
    struct launcher_message m;
    fill_message(&m, LAUNCHER_ERROR, stage, error, detail, text);
    m.said = 1;
    ignored = send(g_channel, &m, sizeof(m), MSG_NOSIGNAL);
    (void)ignored;
  }
  _exit(stage == LAUNCHER_STAGE_EXEC && error == ENOENT ? EXIT_NOT_FOUND : EXIT_NOT_STARTED);
}

/*
 * After a load: only the pinned sendmsg and exit_group are sure to be allowed, so the parent
 * is told through the pinned msghdr and nothing is written to stderr.
 */
static void fail_after_load(enum launcher_stage stage, int error, uint32_t detail) {
  struct scratch* s = g_scratch;
  fill_message(&s->payload, LAUNCHER_ERROR, stage, error, detail, NULL);
  s->iov.iov_base = &s->payload;
  s->iov.iov_len = sizeof(s->payload);
  s->msg.msg_iov = &s->iov;
  s->msg.msg_iovlen = 1;
  s->msg.msg_control = NULL;
  s->msg.msg_controllen = 0;
  syscall(SYS_sendmsg, g_channel, &s->msg, MSG_NOSIGNAL);
  syscall(SYS_exit_group,
          stage == LAUNCHER_STAGE_EXEC && error == ENOENT ? EXIT_NOT_FOUND : EXIT_NOT_STARTED);
  _exit(EXIT_NOT_STARTED); /* not reached */
}

static void fail(enum launcher_stage stage, int error, uint32_t detail, const char* text) {
  if (g_loaded) fail_after_load(stage, error, detail);
  fail_before_load(stage, error, detail, text);
}

/* ------------------------------------------------------------------------------------ */
/* The configuration */

struct reader {
  const uint8_t* at;
  size_t left;
};

static const uint8_t* take(struct reader* r, size_t n) {
  if (n > r->left) fail(LAUNCHER_STAGE_CONFIG, EINVAL, 0, "truncated");
  const uint8_t* at = r->at;
  r->at += n;
  r->left -= n;
  return at;
}

static uint32_t u32(struct reader* r) {
  uint32_t v;
  memcpy(&v, take(r, sizeof(v)), sizeof(v));
  return v;
}

static uint64_t u64(struct reader* r) {
  uint64_t v;
  memcpy(&v, take(r, sizeof(v)), sizeof(v));
  return v;
}

static uint32_t word_at(const uint8_t* base, size_t index) {
  uint32_t v;
  memcpy(&v, base + index * sizeof(v), sizeof(v));
  return v;
}

static void* allocate(size_t n) {
  void* p = rt_alloc(n == 0 ? 1 : n);
  if (p == NULL) fail(LAUNCHER_STAGE_CONFIG, ENOMEM, 0, NULL);
  return p;
}

static void read_config(int fd, struct config* c) {
  uint8_t* buffer = allocate(LAUNCHER_MAX_CONFIG);
  ssize_t n;
  do {
    n = read(fd, buffer, LAUNCHER_MAX_CONFIG);
  } while (n < 0 && errno == EINTR);
  if (n < 0) fail(LAUNCHER_STAGE_CONFIG, errno, 0, NULL);
  struct reader r = {buffer, (size_t)n};
  if (u32(&r) != LAUNCHER_MAGIC || u32(&r) != LAUNCHER_VERSION) {
    fail(LAUNCHER_STAGE_CONFIG, EPROTO, 0, "not a launch configuration of this version");
  }
  c->flags = u32(&r);
  c->death_signal = u32(&r);
  c->parent_pid = u32(&r);
  c->program_count = u32(&r);
  if (c->program_count == 0 || c->program_count > LAUNCHER_MAX_PROGRAMS) {
    fail(LAUNCHER_STAGE_CONFIG, EINVAL, 0, "program count");
  }
  for (uint32_t i = 0; i < c->program_count; i++) {
    struct program* p = &c->programs[i];
    p->flags = u32(&r);
    p->count = u32(&r);
    p->site_count = u32(&r);
    p->conflict_count = u32(&r);
    if (p->count == 0 || p->count > BPF_MAXINSNS) fail(LAUNCHER_STAGE_CONFIG, EINVAL, i, "size");
    /* a copy: aligned, and patched in place */
    p->instructions = allocate(p->count * sizeof(struct sock_filter));
    memcpy(p->instructions, take(&r, p->count * sizeof(struct sock_filter)),
           p->count * sizeof(struct sock_filter));
    p->sites = take(&r, (size_t)p->site_count * 8);
    p->conflicts = take(&r, (size_t)p->conflict_count * 4);
  }
  c->landlock = (int)u32(&r);
  if (c->landlock) {
    struct landlock_ruleset_spec* s = &c->ruleset;
    s->handled_fs = u64(&r);
    s->handled_net = u64(&r);
    s->scoped = u64(&r);
    s->path_count = u32(&r);
    s->port_count = u32(&r);
    if (s->path_count > 65536 || s->port_count > 65536) {
      fail(LAUNCHER_STAGE_CONFIG, EINVAL, 0, "rule count");
    }
    struct landlock_path_rule* paths = allocate(s->path_count * sizeof(*paths));
    for (size_t i = 0; i < s->path_count; i++) {
      paths[i].access = u64(&r);
      uint32_t length = u32(&r);
      char* path = allocate((size_t)length + 1);
      memcpy(path, take(&r, length), length);
      paths[i].path = path;
    }
    struct landlock_port_rule* ports = allocate(s->port_count * sizeof(*ports));
    for (size_t i = 0; i < s->port_count; i++) {
      ports[i].port = u64(&r);
      ports[i].access = u64(&r);
    }
    s->paths = paths;
    s->ports = ports;
  }
  if (r.left != 0) fail(LAUNCHER_STAGE_CONFIG, EINVAL, 0, "trailing bytes");
  /* kept: the sites and conflicts point into it */
}

/* ------------------------------------------------------------------------------------ */
/* Sites */

static uint32_t high(const void* p) {
  return (uint32_t)((uint64_t)(uintptr_t)p >> 32);
}
static uint32_t low(const void* p) {
  return (uint32_t)(uintptr_t)p;
}

static int is_site(const struct program* p, uint32_t index) {
  for (uint32_t i = 0; i < p->site_count; i++) {
    if (word_at(p->sites, (size_t)i * 2) == index) return 1;
  }
  return 0;
}

/* Whether instruction i compares the accumulator with (or masks it by) its constant. */
static int compares_constant(const struct sock_filter* insn) {
  uint16_t code = insn->code;
  if (BPF_SRC(code) != BPF_K) return 0;
  if (BPF_CLASS(code) == BPF_JMP) return BPF_OP(code) != BPF_JA;
  return BPF_CLASS(code) == BPF_ALU;
}

/*
 * The addresses may be used when they are distinct from each other and from the pid, and
 * from every constant the programs compare with: then the programs with the sites filled in
 * are, byte for byte, what compiling the policy for these values would have given (see
 * src/launcher/template.ts), since libseccomp's output depends on a comparison's value only
 * through its equality with other values.
 */
static int addresses_fresh(const struct config* c, const uint32_t values[LAUNCHER_SITE_KINDS]) {
  for (int a = 0; a < LAUNCHER_SITE_KINDS; a++) {
    for (int b = a + 1; b < LAUNCHER_SITE_KINDS; b++) {
      if (values[a] == values[b]) return 0;
    }
  }
  for (uint32_t i = 0; i < c->program_count; i++) {
    const struct program* p = &c->programs[i];
    for (uint32_t j = 0; j < p->count; j++) {
      if (!compares_constant(&p->instructions[j]) || is_site(p, j)) continue;
      for (int kind = LAUNCHER_SITE_PIN_HIGH; kind < LAUNCHER_SITE_KINDS; kind++) {
        if (p->instructions[j].k == values[kind]) return 0;
      }
    }
  }
  return 1;
}

static void fill_sites(struct config* c, const uint32_t values[LAUNCHER_SITE_KINDS]) {
  for (uint32_t i = 0; i < c->program_count; i++) {
    struct program* p = &c->programs[i];
    for (uint32_t j = 0; j < p->conflict_count; j++) {
      if (word_at(p->conflicts, j) == values[LAUNCHER_SITE_PID]) {
        fail(LAUNCHER_STAGE_PID_CONFLICT, EDOM, values[LAUNCHER_SITE_PID], NULL);
      }
    }
    for (uint32_t j = 0; j < p->site_count; j++) {
      uint32_t index = word_at(p->sites, (size_t)j * 2);
      uint32_t kind = word_at(p->sites, (size_t)j * 2 + 1);
      if (index >= p->count || kind >= LAUNCHER_SITE_KINDS ||
          p->instructions[index].code != (BPF_JMP | BPF_JEQ | BPF_K)) {
        fail(LAUNCHER_STAGE_CONFIG, EINVAL, i, "site");
      }
      p->instructions[index].k = values[kind];
    }
  }
}

/* The exec image with the scratch area, at an address whose values are fresh (see above). */
static void prepare_image(struct config* c, const char* path, char** argv,
                          struct exec_image* image) {
  const char* const* args = (const char* const*)argv;
  const char* const* env = (const char* const*)environ;
  for (int attempt = 0; attempt < MAX_IMAGE_ATTEMPTS; attempt++) {
    int err = exec_image_build_with_scratch(image, path, args, env, sizeof(struct scratch));
    if (err != 0) fail(LAUNCHER_STAGE_IMAGE, err, 0, NULL);
    struct scratch* s = image->scratch;
    uint32_t values[LAUNCHER_SITE_KINDS];
    values[LAUNCHER_SITE_PID] = (uint32_t)g_pid;
    values[LAUNCHER_SITE_PIN_HIGH] = high(image->path);
    values[LAUNCHER_SITE_EXEC_LOW] = low(image->path);
    values[LAUNCHER_SITE_MSG_LOW] = low(&s->msg);
    values[LAUNCHER_SITE_FPROG_LOW] = low(&s->fprog);
    /* one upper half for all three addresses: the mapping must not straddle 4 GiB */
    if (high(&s->msg) == values[LAUNCHER_SITE_PIN_HIGH] &&
        high(&s->fprog) == values[LAUNCHER_SITE_PIN_HIGH] && addresses_fresh(c, values)) {
      fill_sites(c, values);
      g_scratch = s;
      return;
    }
    exec_image_release(image);
  }
  fail(LAUNCHER_STAGE_IMAGE, EAGAIN, 0, "no address with fresh values");
}

/* ------------------------------------------------------------------------------------ */

static void apply_landlock(const struct config* c) {
  struct landlock_failure failure;
  int ruleset = landlock_ruleset_build(&c->ruleset, &failure);
  if (ruleset < 0) {
    switch (failure.stage) {
      case LANDLOCK_STAGE_PATH:
        fail(LAUNCHER_STAGE_LANDLOCK_PATH, failure.error, (uint32_t)failure.index,
             c->ruleset.paths[failure.index].path);
        break;
      case LANDLOCK_STAGE_PORT:
        fail(LAUNCHER_STAGE_LANDLOCK_PORT, failure.error, (uint32_t)failure.index, NULL);
        break;
      default:
        fail(LAUNCHER_STAGE_LANDLOCK_RULESET, failure.error, 0, NULL);
    }
  }
  int err = landlock_ruleset_restrict_self(ruleset, 0);
  if (err != 0) fail(LAUNCHER_STAGE_LANDLOCK_RESTRICT, err, 0, NULL);
  close(ruleset);
}

/* Loads the programs in order; returns the listener of the notifying one, or -1. */
static int load_programs(const struct config* c) {
  int listener = -1;
  struct scratch* s = g_scratch;
  for (uint32_t i = 0; i < c->program_count; i++) {
    const struct program* p = &c->programs[i];
    s->fprog.len = (unsigned short)p->count;
    s->fprog.filter = p->instructions;
    unsigned long flags =
        (p->flags & LAUNCHER_PROGRAM_LISTENER) ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
    long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &s->fprog);
    if (rc < 0) fail(LAUNCHER_STAGE_LOAD, errno, i, NULL);
    g_loaded = 1;
    if (flags != 0) listener = (int)rc;
  }
  return listener;
}

/* Gives the parent the listener and a pidfd of this process (the program to be). */
static void hand_over(int listener, int pidfd) {
  struct scratch* s = g_scratch;
  fill_message(&s->payload, LAUNCHER_HANDOFF, 0, 0, 0, NULL);
  s->iov.iov_base = &s->payload;
  s->iov.iov_len = sizeof(s->payload);
  s->msg.msg_iov = &s->iov;
  s->msg.msg_iovlen = 1;
  s->msg.msg_control = s->control.bytes;
  s->msg.msg_controllen = CMSG_SPACE(2 * sizeof(int));
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&s->msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(2 * sizeof(int));
  int fds[2] = {listener, pidfd};
  memcpy(CMSG_DATA(cmsg), fds, sizeof(fds));
  if (syscall(SYS_sendmsg, g_channel, &s->msg, MSG_NOSIGNAL) < 0) {
    /* The parent is gone: nobody could answer the program's notified calls. */
    syscall(SYS_exit_group, EXIT_NOT_STARTED);
  }
}

int main(int argc, char** argv) {
  if (argc < 4) {
    static const char usage[] =
        "seccomp-node-launcher is started by seccomp-node (sandbox.spawn, seccomp-node run), "
        "not directly\n";
    ssize_t ignored = write(2, usage, sizeof(usage) - 1);
    (void)ignored;
    return 2;
  }
  long channel = 0;
  const char* digit = argv[1];
  g_executable = argv[2];
  for (; *digit >= '0' && *digit <= '9' && channel <= 65535; digit++)
    channel = channel * 10 + (*digit - '0');
  if (digit == argv[1] || *digit != '\0' || channel > 65535)
    fail(LAUNCHER_STAGE_CONFIG, EBADF, 0, "channel");
  g_channel = (int)channel;
  g_pid = getpid();

  static struct config config;
  read_config(g_channel, &config);
  /* the program must not inherit the channel */
  if (fcntl(g_channel, F_SETFD, FD_CLOEXEC) != 0) fail(LAUNCHER_STAGE_CONFIG, errno, 0, NULL);

  if (config.flags & LAUNCHER_DEATH_SIGNAL) {
    if (prctl(PR_SET_PDEATHSIG, (unsigned long)config.death_signal, 0, 0, 0) != 0) {
      fail(LAUNCHER_STAGE_DEATH_SIGNAL, errno, 0, NULL);
    }
    /* the parent died before the death signal was set: nobody would supervise */
    if ((uint32_t)getppid() != config.parent_pid) _exit(EXIT_NOT_STARTED);
  }
  int pidfd = -1;
  if (config.flags & LAUNCHER_NOTIFY) {
    pidfd = (int)syscall(SYS_pidfd_open, g_pid, 0);
    if (pidfd < 0) fail(LAUNCHER_STAGE_PIDFD, errno, 0, NULL);
  }

  struct exec_image image;
  prepare_image(&config, argv[2], argv + 3, &image);
  if (config.landlock) apply_landlock(&config);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    fail(LAUNCHER_STAGE_NO_NEW_PRIVS, errno, 0, NULL);

  int listener = load_programs(&config);
  if (config.flags & LAUNCHER_NOTIFY) {
    if (listener < 0) fail(LAUNCHER_STAGE_HANDOFF, EINVAL, 0, NULL);
    hand_over(listener, pidfd);
  }
  /* the listener, the pidfd and the channel are close-on-exec */
  syscall(SYS_execve, image.path, image.argv, image.envp);
  fail(LAUNCHER_STAGE_EXEC, errno, 0, NULL);
  return EXIT_NOT_STARTED;
}

/*
 * The kernel-facing half of Landlock: the ABI probe, a ruleset built from an already-decided
 * spec (src/landlock/compile.ts decides every right, path and port), and the restriction of
 * the calling thread. Plain C with no dependencies, shared by the addon (native/landlock.cc)
 * and the launcher (native/launcher.c), so that the system calls are written once.
 */
#ifndef SECCOMP_NODE_LANDLOCK_RULESET_H_
#define SECCOMP_NODE_LANDLOCK_RULESET_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct landlock_path_rule {
  const char* path; /* opened with O_PATH by the caller's process, so /proc/self is its own */
  uint64_t access;
};

struct landlock_port_rule {
  uint64_t port;
  uint64_t access;
};

struct landlock_ruleset_spec {
  uint64_t handled_fs;
  uint64_t handled_net;
  uint64_t scoped;
  const struct landlock_path_rule* paths;
  size_t path_count;
  const struct landlock_port_rule* ports;
  size_t port_count;
};

/* Where building a ruleset failed. */
enum landlock_stage {
  LANDLOCK_STAGE_RULESET = 1, /* landlock_create_ruleset */
  LANDLOCK_STAGE_PATH = 2,    /* opening a path, or adding its rule (index: which path) */
  LANDLOCK_STAGE_PORT = 3,    /* adding a port rule (index: which port) */
  LANDLOCK_STAGE_RESTRICT = 4 /* no_new_privs or landlock_restrict_self */
};

struct landlock_failure {
  int error; /* errno value */
  enum landlock_stage stage;
  size_t index;
};

/* landlock_restrict_self flag (ABI 8): every thread of the process in one call. */
#define LANDLOCK_RULESET_RESTRICT_TSYNC (1U << 3)

/*
 * The ABI version (> 0), or -errno when the kernel has none (ENOSYS: not built in;
 * EOPNOTSUPP: not enabled at boot). *errata gets the fixed-errata bitmask (0 if unknown).
 */
long landlock_ruleset_abi(long* errata);

/*
 * Creates the ruleset and adds every rule. Returns its descriptor (close-on-exec), or -1 with
 * *failure filled in; nothing is changed in the process either way.
 */
int landlock_ruleset_build(const struct landlock_ruleset_spec* spec,
                           struct landlock_failure* failure);

/*
 * Sets no_new_privs and restricts the calling thread (with LANDLOCK_RULESET_RESTRICT_TSYNC,
 * every thread). Returns 0 or an errno value. Raw system calls only: safe in a signal
 * handler, as native/every_thread.cc runs it on every thread.
 */
int landlock_ruleset_restrict_self(int ruleset_fd, uint32_t flags);

#ifdef __cplusplus
}
#endif

#endif /* SECCOMP_NODE_LANDLOCK_RULESET_H_ */

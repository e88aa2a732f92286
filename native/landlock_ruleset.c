/* See landlock_ruleset.h. */
#define _GNU_SOURCE
#include "landlock_ruleset.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

enum {
  CREATE_RULESET_VERSION = 1U << 0,
  CREATE_RULESET_ERRATA = 1U << 1,
  RULE_PATH_BENEATH = 1,
  RULE_NET_PORT = 2,
};

/* The kernel's structures (linux/landlock.h; Debian 12's headers predate the network and
 * scope fields, so they are spelled out here). */
struct ruleset_attr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};
struct __attribute__((packed)) path_beneath_attr {
  uint64_t allowed_access;
  int32_t parent_fd;
};
struct net_port_attr {
  uint64_t allowed_access;
  uint64_t port;
};

long landlock_ruleset_abi(long* errata) {
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, CREATE_RULESET_VERSION);
  if (abi < 0) {
    *errata = 0;
    return -errno;
  }
  long fixed = syscall(SYS_landlock_create_ruleset, NULL, 0, CREATE_RULESET_ERRATA);
  *errata = fixed < 0 ? 0 : fixed;
  return abi;
}

static int fail(struct landlock_failure* failure, int ruleset, enum landlock_stage stage,
                size_t index) {
  failure->error = errno;
  failure->stage = stage;
  failure->index = index;
  if (ruleset >= 0) close(ruleset);
  errno = failure->error;
  return -1;
}

int landlock_ruleset_build(const struct landlock_ruleset_spec* spec,
                           struct landlock_failure* failure) {
  struct ruleset_attr attr = {spec->handled_fs, spec->handled_net, spec->scoped};
  /* The smallest size that holds what is set, so that older kernels take it. */
  size_t size = attr.scoped != 0 ? sizeof(attr) : attr.handled_access_net != 0 ? 16 : 8;
  int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
  if (ruleset < 0) return fail(failure, -1, LANDLOCK_STAGE_RULESET, 0);
  for (size_t i = 0; i < spec->path_count; i++) {
    int fd = open(spec->paths[i].path, O_PATH | O_CLOEXEC);
    if (fd < 0) return fail(failure, ruleset, LANDLOCK_STAGE_PATH, i);
    struct path_beneath_attr beneath = {spec->paths[i].access, fd};
    long rc = syscall(SYS_landlock_add_rule, ruleset, RULE_PATH_BENEATH, &beneath, 0);
    int saved = errno;
    close(fd);
    errno = saved;
    if (rc != 0) return fail(failure, ruleset, LANDLOCK_STAGE_PATH, i);
  }
  for (size_t i = 0; i < spec->port_count; i++) {
    struct net_port_attr port = {spec->ports[i].access, spec->ports[i].port};
    if (syscall(SYS_landlock_add_rule, ruleset, RULE_NET_PORT, &port, 0) != 0) {
      return fail(failure, ruleset, LANDLOCK_STAGE_PORT, i);
    }
  }
  return ruleset;
}

int landlock_ruleset_restrict_self(int ruleset_fd, uint32_t flags) {
  if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  if (syscall(SYS_landlock_restrict_self, ruleset_fd, flags) != 0) return errno;
  return 0;
}

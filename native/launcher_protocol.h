/*
 * What the parent and the launcher (native/launcher.c) say to each other over the channel,
 * a SOCK_SEQPACKET socket the parent creates (native/supervisor.cc) and the launcher
 * inherits as one of its stdio entries. The parent writes the launch configuration before
 * the launcher starts (src/launcher/config.ts encodes it); the launcher answers with
 * launcher_message records: the listener of its notifying filter (SCM_RIGHTS), or why it
 * could not start the program.
 *
 * Configuration, in host byte order (the parent and the launcher share the machine):
 *
 *   u32 magic, u32 version, u32 flags, u32 death_signal, u32 parent_pid, u32 program_count
 *   program_count times:
 *     u32 flags (LAUNCHER_PROGRAM_*), u32 instruction_count, u32 site_count, u32 conflict_count
 *     struct sock_filter[instruction_count]
 *     { u32 index, u32 kind (LAUNCHER_SITE_*) }[site_count]   values the launcher fills in
 *     u32[conflict_count]   pids for which the policy would be ambiguous (see
 *                           src/launcher/template.ts): the launcher refuses to start there
 *   u32 landlock (0 or 1); when 1:
 *     u64 handled_fs, u64 handled_net, u64 scoped, u32 path_count, u32 port_count
 *     { u64 access, u32 length, char path[length] }[path_count]
 *     { u64 port, u64 access }[port_count]
 */
#ifndef SECCOMP_NODE_LAUNCHER_PROTOCOL_H_
#define SECCOMP_NODE_LAUNCHER_PROTOCOL_H_

#include <stdint.h>

#define LAUNCHER_MAGIC 0x314c4e53u /* "SNL1" */
#define LAUNCHER_VERSION 1u
#define LAUNCHER_MAX_CONFIG (4u << 20)
#define LAUNCHER_MAX_PROGRAMS 8u

/* Configuration flags. */
#define LAUNCHER_NOTIFY (1u << 0)       /* hand the listener of the notifying program over */
#define LAUNCHER_DEATH_SIGNAL (1u << 1) /* die with the parent (PR_SET_PDEATHSIG) */

/* Program flags. */
#define LAUNCHER_PROGRAM_LISTENER (1u << 0) /* loaded with SECCOMP_FILTER_FLAG_NEW_LISTENER */

/* What a site (the k of a JEQ instruction) is filled in with. */
enum launcher_site {
  LAUNCHER_SITE_PID = 0,       /* the launcher's pid, which the program keeps: `$pid` */
  LAUNCHER_SITE_PIN_HIGH = 1,  /* the upper 32 bits of the pinned addresses (one mapping) */
  LAUNCHER_SITE_EXEC_LOW = 2,  /* the lower 32 bits of execve's path */
  LAUNCHER_SITE_MSG_LOW = 3,   /* ... of the msghdr the launcher's sendmsg passes */
  LAUNCHER_SITE_FPROG_LOW = 4, /* ... of the sock_fprog its later seccomp() loads pass */
  LAUNCHER_SITE_KINDS = 5
};

enum launcher_message_kind {
  LAUNCHER_HANDOFF = 1, /* SCM_RIGHTS: the listener, then a pidfd of the launcher (the program) */
  LAUNCHER_ERROR = 2    /* the program was not started; `stage`, `error` and `text` say why */
};

enum launcher_stage {
  LAUNCHER_STAGE_CONFIG = 1,
  LAUNCHER_STAGE_DEATH_SIGNAL = 2,
  LAUNCHER_STAGE_PIDFD = 3,
  LAUNCHER_STAGE_IMAGE = 4,
  LAUNCHER_STAGE_PID_CONFLICT = 5,
  LAUNCHER_STAGE_LANDLOCK_RULESET = 6,
  LAUNCHER_STAGE_LANDLOCK_PATH = 7,
  LAUNCHER_STAGE_LANDLOCK_PORT = 8,
  LAUNCHER_STAGE_LANDLOCK_RESTRICT = 9,
  LAUNCHER_STAGE_NO_NEW_PRIVS = 10,
  LAUNCHER_STAGE_LOAD = 11,
  LAUNCHER_STAGE_HANDOFF = 12,
  LAUNCHER_STAGE_EXEC = 13
};

struct launcher_message {
  uint32_t magic;
  uint32_t kind;
  int32_t error; /* errno value */
  uint32_t stage;
  uint32_t pid;    /* the launcher's, which the program keeps */
  uint32_t detail; /* stage-specific: the index of a Landlock path or port, of a program */
  uint32_t said;   /* 1 when the launcher also wrote the reason on the program's stderr */
  char text[228];  /* NUL-terminated: a Landlock path */
};

#endif /* SECCOMP_NODE_LAUNCHER_PROTOCOL_H_ */

// Constants for argument conditions and errno actions, taken from this platform's own
// headers when the addon is built, so that values are right for the architecture.
#include "constants.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <termios.h>

#include "errno_names.h"

namespace seccomp_node {

// One list laid out by hand, so the formatter leaves it alone.
// clang-format off
#define SECCOMP_NODE_CONSTANTS(X)                                                          \
  /* address families */                                                                  \
  X(AF_UNSPEC) X(AF_UNIX) X(AF_LOCAL) X(AF_INET) X(AF_INET6) X(AF_NETLINK) X(AF_PACKET)    \
  X(AF_BLUETOOTH) X(AF_VSOCK) X(AF_ALG) X(AF_KEY) X(AF_XDP)                                \
  /* socket types and flags */                                                            \
  X(SOCK_STREAM) X(SOCK_DGRAM) X(SOCK_RAW) X(SOCK_SEQPACKET) X(SOCK_RDM) X(SOCK_PACKET)    \
  X(SOCK_NONBLOCK) X(SOCK_CLOEXEC)                                                         \
  X(IPPROTO_IP) X(IPPROTO_TCP) X(IPPROTO_UDP) X(IPPROTO_IPV6) X(IPPROTO_ICMP)              \
  X(IPPROTO_ICMPV6) X(IPPROTO_RAW) X(SOL_SOCKET)                                           \
  /* open flags */                                                                        \
  X(O_RDONLY) X(O_WRONLY) X(O_RDWR) X(O_ACCMODE) X(O_CREAT) X(O_EXCL) X(O_NOCTTY)          \
  X(O_TRUNC) X(O_APPEND) X(O_NONBLOCK) X(O_DSYNC) X(O_SYNC) X(O_DIRECTORY) X(O_NOFOLLOW)   \
  X(O_CLOEXEC) X(O_PATH) X(O_TMPFILE) X(O_NOATIME) X(O_DIRECT) X(O_LARGEFILE)              \
  X(AT_FDCWD) X(AT_EMPTY_PATH) X(AT_SYMLINK_NOFOLLOW) X(AT_REMOVEDIR)                      \
  /* fcntl */                                                                             \
  X(F_DUPFD) X(F_DUPFD_CLOEXEC) X(F_GETFD) X(F_SETFD) X(F_GETFL) X(F_SETFL) X(F_GETLK)    \
  X(F_SETLK) X(F_SETLKW) X(F_OFD_GETLK) X(F_OFD_SETLK) X(F_OFD_SETLKW) X(F_SETPIPE_SZ)     \
  X(F_GETPIPE_SZ) X(F_ADD_SEALS) X(F_GET_SEALS) X(FD_CLOEXEC) X(F_SETOWN) X(F_GETOWN)      \
  X(F_SETOWN_EX) X(F_GETOWN_EX) X(F_SETSIG) X(F_GETSIG)                                    \
  /* memory */                                                                            \
  X(PROT_NONE) X(PROT_READ) X(PROT_WRITE) X(PROT_EXEC) X(MAP_SHARED) X(MAP_PRIVATE)        \
  X(MAP_FIXED) X(MAP_ANONYMOUS) X(MAP_NORESERVE) X(MAP_STACK) X(MAP_FIXED_NOREPLACE)       \
  X(MAP_GROWSDOWN) X(MADV_DONTNEED) X(MADV_FREE) X(MADV_WILLNEED) X(MADV_DONTFORK)         \
  /* clone */                                                                             \
  X(CLONE_VM) X(CLONE_FS) X(CLONE_FILES) X(CLONE_SIGHAND) X(CLONE_PIDFD) X(CLONE_PTRACE)   \
  X(CLONE_VFORK) X(CLONE_PARENT) X(CLONE_THREAD) X(CLONE_NEWNS) X(CLONE_SYSVSEM)           \
  X(CLONE_SETTLS) X(CLONE_PARENT_SETTID) X(CLONE_CHILD_CLEARTID) X(CLONE_DETACHED)         \
  X(CLONE_UNTRACED) X(CLONE_CHILD_SETTID) X(CLONE_NEWCGROUP) X(CLONE_NEWUTS)               \
  X(CLONE_NEWIPC) X(CLONE_NEWUSER) X(CLONE_NEWPID) X(CLONE_NEWNET) X(CLONE_IO)             \
  /* ioctl requests in common use */                                                      \
  X(FIONBIO) X(FIOCLEX) X(FIONCLEX) X(FIONREAD) X(FIOASYNC) X(TCGETS) X(TCSETS)            \
  X(TCSETSW) X(TCSETSF) X(TIOCGWINSZ) X(TIOCSWINSZ) X(TIOCGPGRP) X(TIOCSPGRP) X(TIOCSTI)   \
  X(TIOCSCTTY) X(TIOCNOTTY) X(TIOCOUTQ) X(TIOCINQ) X(TIOCLINUX)                            \
  /* prctl */                                                                             \
  X(PR_SET_NAME) X(PR_GET_NAME) X(PR_SET_PDEATHSIG) X(PR_GET_DUMPABLE) X(PR_SET_DUMPABLE)  \
  X(PR_SET_NO_NEW_PRIVS) X(PR_GET_NO_NEW_PRIVS) X(PR_SET_SECCOMP) X(PR_GET_SECCOMP)        \
  X(PR_CAPBSET_READ) X(PR_SET_PTRACER) X(PR_SET_VMA) X(PR_GET_TIMERSLACK)                  \
  X(PR_SET_TIMERSLACK) X(PR_SET_MM) X(PR_SET_KEEPCAPS)                                     \
  /* futex */                                                                             \
  X(FUTEX_WAIT) X(FUTEX_WAKE) X(FUTEX_PRIVATE_FLAG) X(FUTEX_CLOCK_REALTIME)                \
  /* signals */                                                                           \
  X(SIGHUP) X(SIGINT) X(SIGQUIT) X(SIGKILL) X(SIGSEGV) X(SIGPIPE) X(SIGTERM) X(SIGCHLD)     \
  X(SIGSYS) X(SIGUSR1) X(SIGUSR2) X(SIGABRT)                                               \
  /* seccomp(2) operations */                                                             \
  X(SECCOMP_SET_MODE_STRICT) X(SECCOMP_SET_MODE_FILTER) X(SECCOMP_GET_ACTION_AVAIL)        \
  X(SECCOMP_GET_NOTIF_SIZES) X(SECCOMP_FILTER_FLAG_NEW_LISTENER)                           \
  /* seccomp user notification: a supervisor's ioctls on the listener */                 \
  X(SECCOMP_IOCTL_NOTIF_RECV) X(SECCOMP_IOCTL_NOTIF_SEND) X(SECCOMP_IOCTL_NOTIF_ID_VALID)  \
  /* message flags and socket options (the launcher's channel) */                         \
  X(MSG_NOSIGNAL) X(MSG_DONTWAIT) X(MSG_CMSG_CLOEXEC) X(SO_SNDBUF)                         \
  /* architectures (audit tokens) */                                                      \
  X(AUDIT_ARCH_X86_64) X(AUDIT_ARCH_I386) X(AUDIT_ARCH_AARCH64) X(AUDIT_ARCH_ARM)
// clang-format on

void InitConstants(Napi::Env env, Napi::Object exports) {
  Napi::Object constants = Napi::Object::New(env);
  Napi::Object errnos = Napi::Object::New(env);
#define SECCOMP_NODE_SET(name) \
  constants.Set(#name, Napi::Number::New(env, static_cast<double>(name)));
#define SECCOMP_NODE_SET_ERRNO(name) errnos.Set(#name, Napi::Number::New(env, name));
  SECCOMP_NODE_CONSTANTS(SECCOMP_NODE_SET)
  SECCOMP_NODE_ERRNOS(SECCOMP_NODE_SET_ERRNO)
#undef SECCOMP_NODE_SET
#undef SECCOMP_NODE_SET_ERRNO
  exports.Set("constants", constants);
  exports.Set("errnos", errnos);
}

}  // namespace seccomp_node

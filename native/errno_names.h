// errno names, from a table of this platform's own errno values rather than glibc's
// strerrorname_np (glibc 2.32+, absent from musl), so that the shipped binary loads on
// older glibc and on musl. The same table gives JavaScript `errnos`.
#pragma once

#include <errno.h>

#include <string>

namespace seccomp_node {

// Every errno name Linux defines (asm-generic/errno-base.h and errno.h).
// One list laid out by hand, so the formatter leaves it alone.
// clang-format off
#define SECCOMP_NODE_ERRNOS(X) \
  X(EPERM) X(ENOENT) X(ESRCH) X(EINTR) X(EIO) X(ENXIO) X(E2BIG) X(ENOEXEC) X(EBADF) \
  X(ECHILD) X(EAGAIN) X(ENOMEM) X(EACCES) X(EFAULT) X(ENOTBLK) X(EBUSY) X(EEXIST) \
  X(EXDEV) X(ENODEV) X(ENOTDIR) X(EISDIR) X(EINVAL) X(ENFILE) X(EMFILE) X(ENOTTY) \
  X(ETXTBSY) X(EFBIG) X(ENOSPC) X(ESPIPE) X(EROFS) X(EMLINK) X(EPIPE) X(EDOM) X(ERANGE) \
  X(EDEADLK) X(ENAMETOOLONG) X(ENOLCK) X(ENOSYS) X(ENOTEMPTY) X(ELOOP) X(EWOULDBLOCK) \
  X(ENOMSG) X(EIDRM) X(ECHRNG) X(EL2NSYNC) X(EL3HLT) X(EL3RST) X(ELNRNG) X(EUNATCH) \
  X(ENOCSI) X(EL2HLT) X(EBADE) X(EBADR) X(EXFULL) X(ENOANO) X(EBADRQC) X(EBADSLT) \
  X(EDEADLOCK) X(EBFONT) X(ENOSTR) X(ENODATA) X(ETIME) X(ENOSR) X(ENONET) X(ENOPKG) \
  X(EREMOTE) X(ENOLINK) X(EADV) X(ESRMNT) X(ECOMM) X(EPROTO) X(EMULTIHOP) X(EDOTDOT) \
  X(EBADMSG) X(EOVERFLOW) X(ENOTUNIQ) X(EBADFD) X(EREMCHG) X(ELIBACC) X(ELIBBAD) \
  X(ELIBSCN) X(ELIBMAX) X(ELIBEXEC) X(EILSEQ) X(ERESTART) X(ESTRPIPE) X(EUSERS) \
  X(ENOTSOCK) X(EDESTADDRREQ) X(EMSGSIZE) X(EPROTOTYPE) X(ENOPROTOOPT) \
  X(EPROTONOSUPPORT) X(ESOCKTNOSUPPORT) X(EOPNOTSUPP) X(ENOTSUP) X(EPFNOSUPPORT) \
  X(EAFNOSUPPORT) X(EADDRINUSE) X(EADDRNOTAVAIL) X(ENETDOWN) X(ENETUNREACH) \
  X(ENETRESET) X(ECONNABORTED) X(ECONNRESET) X(ENOBUFS) X(EISCONN) X(ENOTCONN) \
  X(ESHUTDOWN) X(ETOOMANYREFS) X(ETIMEDOUT) X(ECONNREFUSED) X(EHOSTDOWN) \
  X(EHOSTUNREACH) X(EALREADY) X(EINPROGRESS) X(ESTALE) X(EUCLEAN) X(ENOTNAM) X(ENAVAIL) \
  X(EISNAM) X(EREMOTEIO) X(EDQUOT) X(ENOMEDIUM) X(EMEDIUMTYPE) X(ECANCELED) X(ENOKEY) \
  X(EKEYEXPIRED) X(EKEYREVOKED) X(EKEYREJECTED) X(EOWNERDEAD) X(ENOTRECOVERABLE) \
  X(ERFKILL) X(EHWPOISON)
// clang-format on

// The symbolic name of `err` ("EINVAL"), or nullptr for a value without one. Where two
// names share a value (EAGAIN/EWOULDBLOCK), the table lists the usual one first. It
// allocates nothing, so a signal handler may call it.
inline const char* KnownErrnoName(int err) {
  struct Entry {
    int value;
    const char* name;
  };
#define SECCOMP_NODE_ERRNO_ENTRY(name) {name, #name},
  static const Entry kNames[] = {SECCOMP_NODE_ERRNOS(SECCOMP_NODE_ERRNO_ENTRY)};
#undef SECCOMP_NODE_ERRNO_ENTRY
  for (const Entry& entry : kNames) {
    if (entry.value == err) return entry.name;
  }
  return nullptr;
}

// The symbolic name of `err`, or "E<number>" for a value without one.
inline std::string ErrnoName(int err) {
  const char* name = KnownErrnoName(err);
  return name != nullptr ? name : "E" + std::to_string(err);
}

}  // namespace seccomp_node

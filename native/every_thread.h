// Runs one per-thread operation on every thread of the running process (the libpsx and
// Go AllThreadsSyscall technique), for kernels where the operation covers only the
// calling thread (landlock_restrict_self before Landlock ABI 8).
#pragma once

#include <sys/types.h>

#include <string>

namespace seccomp_node {

// The operation. Runs inside a signal handler on every other thread: it must be
// async-signal-safe (raw system calls only, no allocation, no locks). Returns 0 or an errno.
using ThreadOperation = int (*)(const void* argument);

struct EveryThreadResult {
  // 0 when every thread ran the operation; otherwise the errno that stopped it, and the
  // process is exactly as before (nothing was applied anywhere).
  int error = 0;
  // The thread that caused `error`, when one did (did not answer, or refused the operation).
  pid_t thread = 0;
  // What failed, for the message: "open /proc/self/task", "thread did not answer"...
  std::string stage;
  // Threads that ran the operation, the calling thread included.
  int applied = 0;
  // io_uring kernel threads (PF_IO_WORKER), which never run signal handlers, left out.
  int io_workers = 0;
};

// Runs `operation` on every thread, the caller first. Phase one gathers every thread into
// a signal handler (repeating sweeps of /proc/self/task until two in a row find no new
// thread) within `timeout_ms`; a thread that does not answer, or the caller's own
// operation failing, releases them all with nothing applied. Phase two has every thread run
// the operation and checks each result. After the caller's operation succeeded there is no
// way back: if any other thread then fails, the process is killed (SIGKILL) after one line
// on stderr, so that it never runs half restricted.
EveryThreadResult RunOnEveryThread(ThreadOperation operation, const void* argument, int timeout_ms);

}  // namespace seccomp_node

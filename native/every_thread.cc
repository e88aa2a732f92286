// Runs one operation on every thread of the process: see every_thread.h.
//
// The signal. Node's SignalInspector thread blocks every signal except SIGKILL, SIGSTOP and
// glibc's internal 32 and 33, which sigfillset() leaves out; so the only signal that reaches
// every Node thread is 33, glibc's SIGSETXID (libpsx uses it for the same reason). glibc
// refuses sigaction() on it, so the handler is installed with the raw rt_sigaction and
// chains to the handler that was there (glibc's, which acts only on SI_TKILL signals from
// setuid and friends). Ours are sent with rt_tgsigqueueinfo: si_code SI_QUEUE and a marker
// with the operation's generation in si_value, so the two never mix.
//
// What runs where. The handler may only make raw system calls and futex waits. The calling
// thread, while other threads are parked in the handler, must not allocate or take locks
// either (a parked thread may hold the malloc lock): everything it uses is static or on the
// stack, and its system calls are raw.
//
// Late signals. Each thread's slot and the command word carry the operation's generation,
// changed with compare-and-swap; a signal that arrives after its operation ended (it was
// blocked, or the operation timed out) finds another generation and returns at once.
#include "every_thread.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdint>
#include <cstring>

#include "errno_names.h"

namespace seccomp_node {
namespace {

constexpr int kSignal = 33;                  // glibc's SIGSETXID
constexpr uint64_t kMarker = 0x5ecc0d0eULL;  // upper half of si_value: "one of ours"
constexpr int kMaxThreads = 4096;
constexpr unsigned kPfIoWorker = 0x00000010;  // PF_IO_WORKER in /proc/<tid>/stat flags
constexpr int kApplyTimeoutMs = 60000;        // phase two: parked threads only have to run

// Slot states (low byte of a slot's tag; the generation is above it).
enum SlotState : uint32_t { kEmpty = 0, kSignalled, kParked, kDone, kReleased, kGone, kIoWorker };
// Commands for parked threads (low two bits of the command word).
enum Command : uint32_t { kWait = 0, kApply = 1, kRelease = 2 };

struct Slot {
  std::atomic<int> tid{0};
  std::atomic<uint32_t> tag{0};  // generation << 8 | SlotState
  int result = 0;
};

Slot g_slots[kMaxThreads];
std::atomic<int> g_slot_count{0};
std::atomic<uint32_t> g_generation{0};  // the operation in progress; 0 = none
std::atomic<uint32_t> g_command{0};     // generation << 2 | Command (futex word)
std::atomic<int> g_progress{0};         // bumped by handlers (futex word for the caller)
ThreadOperation g_operation = nullptr;
const void* g_argument = nullptr;
pid_t g_pid = 0;
int g_task_fd = -1;  // /proc/self/task, opened once, before any restriction, and kept
pid_t g_task_fd_pid = 0;

// The kernel's struct sigaction for rt_sigaction (not glibc's).
struct KernelSigaction {
  union {
    void (*handler)(int, siginfo_t*, void*);
    void (*simple)(int);
  };
  unsigned long flags;
  void (*restorer)();
  uint64_t mask;
};
KernelSigaction g_previous{};
bool g_installed = false;

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

uint32_t Tag(uint32_t generation, uint32_t state) {
  return generation << 8 | state;
}
uint32_t CommandWord(uint32_t generation, Command command) {
  return generation << 2 | command;
}

int* FutexWord(std::atomic<int>* a) {
  return reinterpret_cast<int*>(a);
}
int* FutexWord(std::atomic<uint32_t>* a) {
  return reinterpret_cast<int*>(a);
}

void FutexWait(int* word, int expected, const struct timespec* timeout) {
  syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, timeout, nullptr, 0);
}
void FutexWakeAll(int* word) {
  syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

void BumpProgress() {
  g_progress.fetch_add(1);
  FutexWakeAll(FutexWord(&g_progress));
}

pid_t Tid() {
  return static_cast<pid_t>(syscall(SYS_gettid));
}

int64_t NowMs() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void Chain(int sig, siginfo_t* info, void* context) {
  if (g_previous.simple == SIG_DFL || g_previous.simple == SIG_IGN)
    return;  // never die of a stray 33
  if (g_previous.flags & SA_SIGINFO)
    g_previous.handler(sig, info, context);
  else
    g_previous.simple(sig);
}

void OnSignal(int sig, siginfo_t* info, void* context) {
  const uint64_t value = reinterpret_cast<uintptr_t>(info->si_value.sival_ptr);
  if (info->si_code != SI_QUEUE || info->si_pid != g_pid || (value >> 32) != kMarker) {
    Chain(sig, info, context);
    return;
  }
  const int saved_errno = errno;
  const uint32_t generation = static_cast<uint32_t>(value);
  const pid_t tid = Tid();
  Slot* slot = nullptr;
  const int count = g_slot_count.load();
  for (int i = 0; i < count && slot == nullptr; i++) {
    if (g_slots[i].tid.load() == tid) slot = &g_slots[i];
  }
  uint32_t expected = Tag(generation, kSignalled);
  if (slot == nullptr || generation != g_generation.load() ||
      !slot->tag.compare_exchange_strong(expected, Tag(generation, kParked))) {
    errno = saved_errno;  // a late signal from an operation that is over
    return;
  }
  BumpProgress();
  // Held here until the caller decides: apply, or release with nothing done.
  uint32_t command;
  while ((command = g_command.load()) == CommandWord(generation, kWait)) {
    FutexWait(FutexWord(&g_command), static_cast<int>(command), nullptr);
  }
  if (command == CommandWord(generation, kApply)) {
    slot->result = g_operation(g_argument);
    slot->tag.store(Tag(generation, kDone));
    BumpProgress();
    // Held until every thread has been checked, so that none starts a thread meanwhile.
    while ((command = g_command.load()) == CommandWord(generation, kApply)) {
      FutexWait(FutexWord(&g_command), static_cast<int>(command), nullptr);
    }
  } else {
    slot->tag.store(Tag(generation, kReleased));
    BumpProgress();
  }
  errno = saved_errno;
}

// Installs OnSignal on signal 33 unless it is already there, chaining to what was.
int InstallHandler() {
  KernelSigaction current{};
  if (syscall(SYS_rt_sigaction, kSignal, nullptr, &current, sizeof(uint64_t)) != 0) return errno;
  if (g_installed && current.handler == OnSignal) return 0;
  KernelSigaction ours{};
  ours.handler = OnSignal;
  ours.flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
  ours.mask = 0;
#if defined(__x86_64__)
  // x86_64 returns from handlers through a restorer that libc supplies: take glibc's from
  // the handler it installed (on 33 itself, or on any other signal).
  void (*restorer)() = (current.flags & SA_RESTORER) ? current.restorer : nullptr;
  for (int sig = 1; sig < 65 && restorer == nullptr; sig++) {
    KernelSigaction other{};
    if (syscall(SYS_rt_sigaction, sig, nullptr, &other, sizeof(uint64_t)) == 0 &&
        (other.flags & SA_RESTORER)) {
      restorer = other.restorer;
    }
  }
  if (restorer == nullptr) return ENOTSUP;
  ours.flags |= SA_RESTORER;
  ours.restorer = restorer;
#endif
  g_previous = current;
  if (syscall(SYS_rt_sigaction, kSignal, &ours, nullptr, sizeof(uint64_t)) != 0) return errno;
  g_installed = true;
  return 0;
}

int OpenTaskDirectory() {
  if (g_task_fd >= 0 && g_task_fd_pid == g_pid) return 0;
  int fd = static_cast<int>(
      syscall(SYS_openat, AT_FDCWD, "/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd < 0) return errno;
  g_task_fd = fd;
  g_task_fd_pid = g_pid;
  return 0;
}

// Writes the decimal digits of `n` (positive) to `out`; returns the length.
int Digits(long n, char* out) {
  char tmp[24];
  int len = 0;
  do {
    tmp[len++] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n > 0);
  for (int i = 0; i < len; i++) out[i] = tmp[len - 1 - i];
  return len;
}

// True when /proc/self/task/<tid>/stat says PF_IO_WORKER (an io_uring kernel thread). A
// thread whose stat cannot be read (gone, or hidden by an earlier Landlock domain) counts
// as an ordinary thread: it then has to answer like any other.
bool IsIoWorker(pid_t tid) {
  char name[40];
  int n = Digits(tid, name);
  memcpy(name + n, "/stat", 6);
  int fd = static_cast<int>(syscall(SYS_openat, g_task_fd, name, O_RDONLY | O_CLOEXEC));
  if (fd < 0) return false;
  char buf[1024];
  long len = syscall(SYS_read, fd, buf, sizeof(buf) - 1);
  syscall(SYS_close, fd);
  if (len <= 0) return false;
  buf[len] = '\0';
  char* p = strrchr(buf, ')');  // the command name may hold spaces and parentheses
  if (p == nullptr) return false;
  // After ") ": state ppid pgrp session tty_nr tpgid flags
  int field = 0;
  for (p++; *p != '\0' && field < 7; p++) {
    if (*p == ' ') field++;
  }
  unsigned long flags = 0;
  while (*p >= '0' && *p <= '9') flags = flags * 10 + static_cast<unsigned>(*p++ - '0');
  return (flags & kPfIoWorker) != 0;
}

bool Known(pid_t tid, int count) {
  for (int i = 0; i < count; i++) {
    if (g_slots[i].tid.load() == tid) return true;
  }
  return false;
}

struct Dirent64 {
  uint64_t ino;
  int64_t off;
  unsigned short reclen;
  unsigned char type;
  char name[1];
};

// One sweep of /proc/self/task: every thread not seen before gets a slot and the signal.
// Returns the number of new threads, or -errno.
int Sweep(uint32_t generation, pid_t self, pid_t* failed_tid) {
  if (syscall(SYS_lseek, g_task_fd, 0, SEEK_SET) < 0) return -errno;
  int found = 0;
  alignas(8) char buf[4096];
  for (;;) {
    long len = syscall(SYS_getdents64, g_task_fd, buf, sizeof(buf));
    if (len < 0) return -errno;
    if (len == 0) break;
    for (long off = 0; off < len;) {
      auto* entry = reinterpret_cast<Dirent64*>(buf + off);
      off += entry->reclen;
      pid_t tid = 0;
      for (const char* c = entry->name; *c != '\0'; c++) {
        if (*c < '0' || *c > '9') {
          tid = 0;
          break;
        }
        tid = tid * 10 + (*c - '0');
      }
      int count = g_slot_count.load();
      if (tid <= 0 || tid == self || Known(tid, count)) continue;
      if (count >= kMaxThreads) {
        *failed_tid = tid;
        return -EMFILE;
      }
      Slot& slot = g_slots[count];
      slot.result = 0;
      slot.tid.store(tid);
      found++;
      if (IsIoWorker(tid)) {
        slot.tag.store(Tag(generation, kIoWorker));
        g_slot_count.store(count + 1);
        continue;
      }
      slot.tag.store(Tag(generation, kSignalled));
      g_slot_count.store(count + 1);
      siginfo_t info;
      memset(&info, 0, sizeof(info));
      info.si_signo = kSignal;
      info.si_code = SI_QUEUE;
      info.si_pid = g_pid;
      info.si_uid = static_cast<uid_t>(syscall(SYS_getuid));
      info.si_value.sival_ptr =
          reinterpret_cast<void*>(static_cast<uintptr_t>(kMarker << 32 | generation));
      if (syscall(SYS_rt_tgsigqueueinfo, g_pid, tid, kSignal, &info) != 0) {
        if (errno == ESRCH) {
          slot.tag.store(Tag(generation, kGone));  // exited since it was listed
          continue;
        }
        *failed_tid = tid;
        return -errno;
      }
    }
  }
  return found;
}

// Waits until every signalled thread has parked or exited. Returns 0, or ETIMEDOUT with
// *late set to a thread that has not answered by `deadline`.
int WaitForParked(uint32_t generation, int64_t deadline, pid_t* late) {
  for (;;) {
    int progress = g_progress.load();
    pid_t waiting = 0;
    const int count = g_slot_count.load();
    for (int i = 0; i < count; i++) {
      Slot& slot = g_slots[i];
      if (slot.tag.load() != Tag(generation, kSignalled)) continue;
      // A thread that exited before it could answer is not waited for.
      if (syscall(SYS_tgkill, g_pid, slot.tid.load(), 0) != 0 && errno == ESRCH) {
        uint32_t expected = Tag(generation, kSignalled);
        slot.tag.compare_exchange_strong(expected, Tag(generation, kGone));
        continue;
      }
      waiting = slot.tid.load();
    }
    if (waiting == 0) return 0;
    int64_t left = deadline - NowMs();
    if (left <= 0) {
      *late = waiting;
      return ETIMEDOUT;
    }
    // Short slices: exits are noticed by polling, not by a wake-up.
    struct timespec slice = {0, (left < 5 ? left : 5) * 1000000L};
    FutexWait(FutexWord(&g_progress), progress, &slice);
  }
}

// Waits until no slot of this generation is in `state` (threads moving on from it).
void WaitWhileAny(uint32_t generation, SlotState state, int64_t deadline, pid_t* late) {
  for (;;) {
    int progress = g_progress.load();
    pid_t waiting = 0;
    const int count = g_slot_count.load();
    for (int i = 0; i < count && waiting == 0; i++) {
      if (g_slots[i].tag.load() == Tag(generation, state)) waiting = g_slots[i].tid.load();
    }
    if (waiting == 0) return;
    int64_t left = deadline - NowMs();
    if (left <= 0) {
      *late = waiting;
      return;
    }
    struct timespec slice = {0, (left < 5 ? left : 5) * 1000000L};
    FutexWait(FutexWord(&g_progress), progress, &slice);
  }
}

void ReleaseAll(uint32_t generation) {
  g_command.store(CommandWord(generation, kRelease));
  FutexWakeAll(FutexWord(&g_command));
  pid_t late = 0;
  // Parked threads leave at once; they only have to be scheduled.
  WaitWhileAny(generation, kParked, NowMs() + kApplyTimeoutMs, &late);
  g_generation.store(0);
}

[[noreturn]] void KillHalfRestricted(pid_t tid, int error) {
  char line[256];
  int len = 0;
  auto text = [&](const char* s) {
    while (*s != '\0' && len < 250) line[len++] = *s++;
  };
  text("seccomp-node: the restriction reached some threads of this process but not thread ");
  len += Digits(tid > 0 ? tid : 0, line + len);
  text(" (");
  const char* name = KnownErrnoName(error);
  text(name != nullptr ? name : "unknown error");
  text("); killing the process so that it never runs half restricted\n");
  for (int done = 0; done < len;) {
    long n = syscall(SYS_write, 2, line + done, len - done);
    if (n <= 0) break;
    done += static_cast<int>(n);
  }
  syscall(SYS_kill, g_pid, SIGKILL);
  syscall(SYS_exit_group, 137);
  __builtin_unreachable();
}

}  // namespace

EveryThreadResult RunOnEveryThread(ThreadOperation operation, const void* argument,
                                   int timeout_ms) {
  EveryThreadResult result;
  const char* stage = nullptr;
  g_pid = static_cast<pid_t>(syscall(SYS_getpid));
  const pid_t self = Tid();
  if ((result.error = OpenTaskDirectory()) != 0) {
    result.stage = "open /proc/self/task";
    return result;
  }
  if ((result.error = InstallHandler()) != 0) {
    result.stage = "install the signal 33 handler";
    return result;
  }

  // Phase one: gather every thread in the handler. Nothing is applied yet.
  static uint32_t last_generation = 0;
  last_generation = (last_generation + 1) & 0xffffff;  // 24 bits: the command word shifts it by 2
  if (last_generation == 0) last_generation = 1;       // 0 means "no operation"
  const uint32_t generation = last_generation;
  g_operation = operation;
  g_argument = argument;
  g_slot_count.store(0);
  g_command.store(CommandWord(generation, kWait));
  g_generation.store(generation);
  const int64_t deadline = NowMs() + timeout_ms;
  int quiet_sweeps = 0;
  while (quiet_sweeps < 2) {
    int found = Sweep(generation, self, &result.thread);
    if (found < 0) {
      result.error = -found;
      stage = found == -EMFILE ? "more threads than this mechanism can hold" : "signal a thread";
      break;
    }
    quiet_sweeps = found == 0 ? quiet_sweeps + 1 : 0;
    if ((result.error = WaitForParked(generation, deadline, &result.thread)) != 0) {
      stage = "thread did not answer signal 33 (does it block it?)";
      break;
    }
  }
  // The caller goes first: if it cannot apply, no thread has and all are released.
  if (result.error == 0) {
    result.error = operation(argument);
    if (result.error != 0) {
      result.thread = self;
      stage = "the calling thread";
    }
  }
  if (result.error != 0) {
    ReleaseAll(generation);
    result.stage = stage;
    return result;
  }

  // Phase two, past the point of no return: every parked thread applies.
  g_command.store(CommandWord(generation, kApply));
  FutexWakeAll(FutexWord(&g_command));
  pid_t late = 0;
  WaitWhileAny(generation, kParked, NowMs() + kApplyTimeoutMs, &late);
  if (late != 0) KillHalfRestricted(late, ETIMEDOUT);
  result.applied = 1;
  const int count = g_slot_count.load();
  for (int i = 0; i < count; i++) {
    const uint32_t tag = g_slots[i].tag.load();
    if (tag == Tag(generation, kDone)) {
      if (g_slots[i].result != 0) KillHalfRestricted(g_slots[i].tid.load(), g_slots[i].result);
      result.applied++;
    } else if (tag == Tag(generation, kIoWorker)) {
      result.io_workers++;
    }
  }
  // Every thread is still held: a thread listed now that has no slot escaped the sweeps.
  pid_t escaped = 0;
  int more = Sweep(generation, self, &escaped);
  if (more != 0) {
    for (int i = count; i < g_slot_count.load(); i++) {
      const uint32_t tag = g_slots[i].tag.load();
      if (tag != Tag(generation, kIoWorker) && tag != Tag(generation, kGone))
        KillHalfRestricted(g_slots[i].tid.load(), ESRCH);
    }
    if (more < 0) KillHalfRestricted(escaped, -more);
  }
  g_command.store(CommandWord(generation, kRelease));
  FutexWakeAll(FutexWord(&g_command));
  g_generation.store(0);
  return result;
}

}  // namespace seccomp_node

// Native probes for the test suite only: issue a raw system call through a chosen ABI,
// install a do-nothing filter on the calling thread only, run a native thread that Node
// knows nothing about, submit an openat through an io_uring ring of its own, start a thread
// that never answers a given signal, try to take SIGSYS over, signal other processes and
// this one's threads, and exec a path written at a chosen address. They let tests do what
// Node's own APIs never do (mount, reboot, x32 and i386 calls, a thread whose filter differs
// from the others, a busy thread that existed before lockdown), the way native code inside
// a locked-down process would. This addon is built for the tests (test/global-setup.ts) and
// is never part of the package: a shipped raw-syscall primitive would be a gift to an
// attacker who has only JavaScript.
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <napi.h>

namespace {

// The errno's symbolic name, for the JS side ("EPERM"); numbers where glibc has no name.
std::string ErrnoName(int err) {
  const char* name = strerrorname_np(err);
  return name != nullptr ? name : "E" + std::to_string(err);
}

[[noreturn]] void ThrowCode(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  throw error;
}

[[noreturn]] void ThrowErrno(Napi::Env env, int err, const std::string& what) {
  Napi::Error error = Napi::Error::New(env, what + ": " + strerror(err));
  error.Set("code", Napi::String::New(env, ErrnoName(err)));
  throw error;
}

uint64_t Arg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || info[i].IsUndefined()) return 0;
  if (info[i].IsBigInt()) {
    bool lossless = true;
    return info[i].As<Napi::BigInt>().Uint64Value(&lossless);
  }
  return static_cast<uint64_t>(info[i].As<Napi::Number>().Int64Value());
}

// rawSyscall(abi, nr, ...args) -> { result, errno }. abi: "native", "x32" or "i386".
// Arguments are plain integers; pointer arguments can only be 0 (NULL).
Napi::Value RawSyscall(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string abi = info[0].As<Napi::String>().Utf8Value();
  long nr = info[1].As<Napi::Number>().Int64Value();
  uint64_t a[6];
  for (size_t i = 0; i < 6; i++) a[i] = Arg(info, i + 2);
  long result;
  int err = 0;
  if (abi == "native") {
    result = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (result < 0) err = errno;
  } else if (abi == "x32") {
#if defined(__x86_64__)
    result = syscall(nr | 0x40000000L, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (result < 0) err = errno;
#else
    ThrowCode(env, "ERR_SECCOMP_UNSUPPORTED", "the x32 ABI exists only on x86_64");
#endif
  } else if (abi == "i386") {
#if defined(__x86_64__)
    __asm__ volatile("int $0x80"
                     : "=a"(result)
                     : "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4])
                     : "r8", "r9", "r10", "r11", "memory");
    if (result < 0 && result > -4096) {
      err = static_cast<int>(-result);
      result = -1;
    }
#else
    ThrowCode(env, "ERR_SECCOMP_UNSUPPORTED", "the i386 ABI probe exists only on x86_64");
#endif
  } else {
    ThrowCode(env, "ERR_SECCOMP_NATIVE", "unknown ABI " + abi);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("result", Napi::Number::New(env, static_cast<double>(result)));
  out.Set("errno", Napi::Number::New(env, err));
  out.Set("code", err != 0 ? Napi::Value(Napi::String::New(env, ErrnoName(err))) : env.Null());
  return out;
}

// Installs an allow-everything filter on the calling thread alone (no TSYNC). Afterwards
// the process's threads no longer share one filter tree, which is what makes a later
// TSYNC load fail; tests use it to prove that such a failure loads nothing.
Napi::Value ThreadLocalAllowFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  struct sock_fprog prog = {1, allow};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ThrowErrno(env, errno, "prctl");
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
    ThrowErrno(env, errno, "seccomp");
  return env.Undefined();
}

// One native thread, started by startSpinningThread() and never ended. It spins without
// making any system call (busy, the way a compute thread of a native library is) until
// callOnSpinningThread() hands it a system call; it makes the call, hands back the result
// and spins again. It exists to check that a filter loaded later reaches a thread that was
// already running and that Node did not create.
struct SpinningThread {
  std::atomic<pid_t> tid{0};
  // 0: spinning, 1: a call is waiting, 2: the result is ready.
  std::atomic<int> state{0};
  long nr = 0;
  uint64_t args[6] = {};
  long result = 0;
  int err = 0;
};
SpinningThread g_spinning;
bool g_spinning_started = false;

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

void* SpinningThreadMain(void*) {
  g_spinning.tid.store(static_cast<pid_t>(syscall(SYS_gettid)), std::memory_order_release);
  for (;;) {
    while (g_spinning.state.load(std::memory_order_acquire) != 1) CpuRelax();
    const uint64_t* a = g_spinning.args;
    long result = syscall(g_spinning.nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    g_spinning.err = result < 0 ? errno : 0;
    g_spinning.result = result;
    g_spinning.state.store(2, std::memory_order_release);
  }
  return nullptr;
}

// startSpinningThread() -> its thread id. Starts the thread once; later calls return the same id.
Napi::Value StartSpinningThread(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!g_spinning_started) {
    pthread_t thread;
    int err = pthread_create(&thread, nullptr, SpinningThreadMain, nullptr);
    if (err != 0) ThrowErrno(env, err, "pthread_create");
    pthread_detach(thread);
    g_spinning_started = true;
  }
  while (g_spinning.tid.load(std::memory_order_acquire) == 0) CpuRelax();
  return Napi::Number::New(env, g_spinning.tid.load());
}

// callOnSpinningThread(nr, ...args) -> { result, errno, code, tid }: the call made by the
// spinning thread while the caller waits (spinning too, so the caller makes no call either).
Napi::Value CallOnSpinningThread(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!g_spinning_started) ThrowCode(env, "ERR_SECCOMP_NATIVE", "startSpinningThread() first");
  g_spinning.nr = info[0].As<Napi::Number>().Int64Value();
  for (size_t i = 0; i < 6; i++) g_spinning.args[i] = Arg(info, i + 1);
  g_spinning.state.store(1, std::memory_order_release);
  while (g_spinning.state.load(std::memory_order_acquire) != 2) CpuRelax();
  g_spinning.state.store(0, std::memory_order_release);
  Napi::Object out = Napi::Object::New(env);
  out.Set("result", Napi::Number::New(env, static_cast<double>(g_spinning.result)));
  out.Set("errno", Napi::Number::New(env, g_spinning.err));
  out.Set("code", g_spinning.err != 0
                      ? Napi::Value(Napi::String::New(env, ErrnoName(g_spinning.err)))
                      : env.Null());
  out.Set("tid", Napi::Number::New(env, g_spinning.tid.load()));
  return out;
}

// A minimal io_uring ring (no liburing), created in the probe so that a test holds a ring
// that exists before lockdown, as Node 22+ does, and can submit to it from native code.
struct Ring {
  int fd;
  unsigned* sq_tail;
  unsigned* sq_mask;
  unsigned* sq_array;
  unsigned* cq_head;
  unsigned* cq_tail;
  unsigned* cq_mask;
  io_uring_sqe* sqes;
  io_uring_cqe* cqes;
};
std::vector<Ring> g_rings;

// ioUringRing(sqpoll) -> ring id. With sqpoll, the kernel polls the queue with its own thread.
Napi::Value IoUringRing(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  io_uring_params params{};
  if (info.Length() > 0 && info[0].ToBoolean()) {
    params.flags = IORING_SETUP_SQPOLL;
    params.sq_thread_idle = 60000;
  }
  int fd = static_cast<int>(syscall(SYS_io_uring_setup, 8, &params));
  if (fd < 0) ThrowErrno(env, errno, "io_uring_setup");
  size_t sq_size = params.sq_off.array + params.sq_entries * sizeof(unsigned);
  size_t cq_size = params.cq_off.cqes + params.cq_entries * sizeof(io_uring_cqe);
  size_t ring_size = sq_size > cq_size ? sq_size : cq_size;  // IORING_FEAT_SINGLE_MMAP (5.4+)
  auto* ring = static_cast<char*>(mmap(nullptr, ring_size, PROT_READ | PROT_WRITE,
                                       MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING));
  auto* sqes = static_cast<io_uring_sqe*>(mmap(nullptr, params.sq_entries * sizeof(io_uring_sqe),
                                               PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                                               fd, IORING_OFF_SQES));
  if (ring == MAP_FAILED || sqes == MAP_FAILED) ThrowErrno(env, errno, "mmap(io_uring)");
  Ring r{fd,
         reinterpret_cast<unsigned*>(ring + params.sq_off.tail),
         reinterpret_cast<unsigned*>(ring + params.sq_off.ring_mask),
         reinterpret_cast<unsigned*>(ring + params.sq_off.array),
         reinterpret_cast<unsigned*>(ring + params.cq_off.head),
         reinterpret_cast<unsigned*>(ring + params.cq_off.tail),
         reinterpret_cast<unsigned*>(ring + params.cq_off.ring_mask),
         sqes,
         reinterpret_cast<io_uring_cqe*>(ring + params.cq_off.cqes)};
  g_rings.push_back(r);
  return Napi::Number::New(env, static_cast<double>(g_rings.size() - 1));
}

// ioUringOpenat(ring, path) -> { result, code }: an openat submitted through the ring (never
// through the openat system call), read-only. A descriptor it opens is closed again.
Napi::Value IoUringOpenat(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Ring& r = g_rings.at(info[0].As<Napi::Number>().Uint32Value());
  std::string path = info[1].As<Napi::String>().Utf8Value();
  unsigned tail = __atomic_load_n(r.sq_tail, __ATOMIC_ACQUIRE);
  unsigned index = tail & *r.sq_mask;
  io_uring_sqe* sqe = &r.sqes[index];
  memset(sqe, 0, sizeof(*sqe));
  sqe->opcode = IORING_OP_OPENAT;
  sqe->fd = AT_FDCWD;
  sqe->addr = reinterpret_cast<uintptr_t>(path.c_str());
  sqe->open_flags = O_RDONLY | O_CLOEXEC;
  r.sq_array[index] = index;
  __atomic_store_n(r.sq_tail, tail + 1, __ATOMIC_RELEASE);
  unsigned head = __atomic_load_n(r.cq_head, __ATOMIC_ACQUIRE);
  // For an SQPOLL ring, io_uring_enter only waits for the completion (and wakes the poller).
  if (syscall(SYS_io_uring_enter, r.fd, 1, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_SQ_WAKEUP,
              nullptr, 0) < 0) {
    ThrowErrno(env, errno, "io_uring_enter");
  }
  while (__atomic_load_n(r.cq_tail, __ATOMIC_ACQUIRE) == head) {
    syscall(SYS_io_uring_enter, r.fd, 0, 1, IORING_ENTER_GETEVENTS, nullptr, 0);
  }
  int res = r.cqes[head & *r.cq_mask].res;
  __atomic_store_n(r.cq_head, head + 1, __ATOMIC_RELEASE);
  if (res >= 0) close(res);
  Napi::Object out = Napi::Object::New(env);
  out.Set("result", Napi::Number::New(env, res));
  out.Set("code", res < 0 ? Napi::Value(Napi::String::New(env, ErrnoName(-res))) : env.Null());
  return out;
}

std::atomic<int> g_blocker_tid{0};

void* BlockAndSleep(void* arg) {
  uint64_t set = 1ULL << (static_cast<int>(reinterpret_cast<intptr_t>(arg)) - 1);
  // The raw call: glibc's sigprocmask silently keeps its internal signals 32 and 33 open.
  syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, nullptr, sizeof(set));
  g_blocker_tid.store(static_cast<int>(syscall(SYS_gettid)));
  for (;;) pause();
  return nullptr;
}

// threadBlockingSignal(signal) -> tid: a native thread that blocks `signal` and sleeps for
// the rest of the process's life (what native code that never answers looks like).
Napi::Value ThreadBlockingSignal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  intptr_t sig = info[0].As<Napi::Number>().Int32Value();
  pthread_t thread;
  g_blocker_tid.store(0);
  if (pthread_create(&thread, nullptr, BlockAndSleep, reinterpret_cast<void*>(sig)) != 0)
    ThrowCode(env, "EAGAIN", "pthread_create");
  pthread_detach(thread);
  while (g_blocker_tid.load() == 0) usleep(1000);
  return Napi::Number::New(env, g_blocker_tid.load());
}

// ---------------------------------------------------------------------------------------
// Taking SIGSYS over: what native code would do to make blocked calls return instead of
// ending the process.

std::atomic<int> g_swallowed{0};

// The attacker's handler: count the violation and return, so the blocked call "returns".
void SwallowSigsys(int, siginfo_t*, void*) {
  g_swallowed++;
}
void SwallowSigsysSimple(int) {
  g_swallowed++;
}

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000  // the kernel's flag; glibc's headers do not export it
#endif

// The kernel's struct sigaction on x86_64 and aarch64 (not glibc's).
struct KernelSigaction {
  void* handler;
  unsigned long flags;
  void* restorer;
  uint64_t mask;
};

long RawSigaction(int sig, const KernelSigaction* act, KernelSigaction* old) {
  return syscall(SYS_rt_sigaction, sig, act, old, sizeof(uint64_t));
}

bool SigsysIsOurs() {
  KernelSigaction now{};
  if (RawSigaction(SIGSYS, nullptr, &now) != 0) return false;
  return now.handler == reinterpret_cast<void*>(SwallowSigsys) ||
         now.handler == reinterpret_cast<void*>(SwallowSigsysSimple) || now.handler == SIG_IGN;
}

struct Attempt {
  long rc = 0;
  int err = 0;
};

// One way of replacing the SIGSYS disposition. The raw forms borrow the restorer of the
// handler in place (glibc's), as real code would, so that a swallowed SIGSYS returns.
Attempt TryTakeOver(const std::string& how) {
  Attempt a;
  KernelSigaction current{};
  RawSigaction(SIGSYS, nullptr, &current);
  KernelSigaction raw{};
  raw.handler = reinterpret_cast<void*>(SwallowSigsys);
  raw.flags = SA_SIGINFO | SA_RESTORER;
  raw.restorer = current.restorer;
  KernelSigaction old{};
  struct sigaction act {};
  act.sa_sigaction = SwallowSigsys;
  act.sa_flags = SA_SIGINFO;
  sigemptyset(&act.sa_mask);
  struct sigaction previous {};
  if (how == "sigaction") {
    a.rc = sigaction(SIGSYS, &act, &previous);
  } else if (how == "sigaction-no-old") {
    a.rc = sigaction(SIGSYS, &act, nullptr);
  } else if (how == "signal") {
    a.rc = signal(SIGSYS, SwallowSigsysSimple) == SIG_ERR ? -1 : 0;
  } else if (how == "ignore") {
    a.rc = signal(SIGSYS, SIG_IGN) == SIG_ERR ? -1 : 0;
  } else if (how == "raw") {
    a.rc = RawSigaction(SIGSYS, &raw, &old);
  } else if (how == "raw-no-old") {
    a.rc = RawSigaction(SIGSYS, &raw, nullptr);
  } else if (how == "raw-resethand") {
    // A one-shot handler: swallow the next violation, then fall back to the default.
    raw.flags |= SA_RESETHAND | SA_NODEFER;
    a.rc = RawSigaction(SIGSYS, &raw, &old);
  } else if (how == "raw-upper-bits") {
    // The signal number with garbage above its 32 bits: the kernel reads an int.
    a.rc = syscall(SYS_rt_sigaction, 0x100000000L | SIGSYS, &raw, &old, sizeof(uint64_t));
  } else {
    a.rc = -1;
    errno = EINVAL;
  }
  if (a.rc < 0) a.err = errno;
  return a;
}

// takeOverSigsys(how, onThread) -> { rc, code, replaced }: tries one way of replacing the
// SIGSYS disposition, on the calling thread or on a new one, and reads back whether the
// disposition is now the attacker's.
Napi::Value TakeOverSigsys(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string how = info[0].As<Napi::String>().Utf8Value();
  bool on_thread = info.Length() > 1 && info[1].ToBoolean();
  Attempt a;
  if (on_thread) {
    std::thread t([&]() { a = TryTakeOver(how); });
    t.join();
  } else {
    a = TryTakeOver(how);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("rc", Napi::Number::New(env, static_cast<double>(a.rc)));
  out.Set("code", a.err != 0 ? Napi::Value(Napi::String::New(env, ErrnoName(a.err))) : env.Null());
  out.Set("replaced", Napi::Boolean::New(env, SigsysIsOurs()));
  return out;
}

// swallowedViolations() -> how many SIGSYS the attacker's handler swallowed.
Napi::Value SwallowedViolations(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), g_swallowed.load());
}

// ---------------------------------------------------------------------------------------
// Signals: to other processes by every route @node leaves open, and within this process.

Napi::Object Outcome(Napi::Env env, long rc, int err) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("rc", Napi::Number::New(env, static_cast<double>(rc)));
  out.Set("code", rc < 0 ? Napi::Value(Napi::String::New(env, ErrnoName(err))) : env.Null());
  return out;
}

// signalProcess(how, pid, sig) -> { rc, code }. how: "tgkill" (to the thread group leader),
// "tkill", "rt_tgsigqueueinfo", or "sigio" (a pipe owned by pid with F_SETOWN: writing to it
// makes the kernel send sig to pid).
Napi::Value SignalProcess(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string how = info[0].As<Napi::String>().Utf8Value();
  pid_t pid = info[1].As<Napi::Number>().Int32Value();
  int sig = info[2].As<Napi::Number>().Int32Value();
  long rc = -1;
  if (how == "tgkill") {
    rc = syscall(SYS_tgkill, pid, pid, sig);
  } else if (how == "tkill") {
    rc = syscall(SYS_tkill, pid, sig);
  } else if (how == "rt_tgsigqueueinfo") {
    siginfo_t si{};
    si.si_signo = sig;
    si.si_code = SI_QUEUE;
    si.si_pid = getpid();
    si.si_uid = getuid();
    rc = syscall(SYS_rt_tgsigqueueinfo, pid, pid, sig, &si);
  } else if (how == "sigio") {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return Outcome(env, -1, errno);
    rc = fcntl(fds[0], F_SETOWN, pid);
    if (rc == 0) rc = fcntl(fds[0], F_SETSIG, sig);
    if (rc == 0) rc = fcntl(fds[0], F_SETFL, O_ASYNC | O_NONBLOCK);
    if (rc == 0) rc = write(fds[1], "x", 1) == 1 ? 0 : -1;
    int err = errno;
    close(fds[0]);
    close(fds[1]);
    return Outcome(env, rc, err);
  } else {
    ThrowCode(env, "ERR_SECCOMP_NATIVE", "unknown way to signal: " + how);
  }
  return Outcome(env, rc, errno);
}

// signalOwnThreads(sig) -> { raise, thread, queued }: raise() on the calling thread (glibc:
// tgkill with this pid), pthread_kill to a new thread of this process, and a queued signal
// to that thread (rt_tgsigqueueinfo), each { rc, code }. The signal should be one that JS
// listens to, so the test sees the three deliveries.
Napi::Value SignalOwnThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sig = info[0].As<Napi::Number>().Int32Value();
  Napi::Object out = Napi::Object::New(env);
  int rc = raise(sig);
  out.Set("raise", Outcome(env, rc, rc != 0 ? errno : 0));
  std::atomic<bool> stop{false};
  std::atomic<pid_t> tid{0};
  std::thread t([&]() {
    // The thread only waits; the signal's handler (libuv's) may run on it.
    tid = static_cast<pid_t>(syscall(SYS_gettid));
    while (!stop) usleep(1000);
  });
  while (tid == 0) usleep(100);
  int err = pthread_kill(t.native_handle(), sig);
  out.Set("thread", Outcome(env, err != 0 ? -1 : 0, err));
  siginfo_t si{};
  si.si_signo = sig;
  si.si_code = SI_QUEUE;
  si.si_pid = getpid();
  si.si_uid = getuid();
  long q = syscall(SYS_rt_tgsigqueueinfo, getpid(), tid.load(), sig, &si);
  out.Set("queued", Outcome(env, q, q < 0 ? errno : 0));
  stop = true;
  t.join();
  return out;
}

// ---------------------------------------------------------------------------------------
// The exec pin: write a path at a chosen address and execve it from there.

// execAt(address, path, args) -> only returns on failure, with { step, code }. Keeps stdio
// open across the exec, maps the page holding `address` (replacing whatever is there: the
// process is about to be replaced anyway), copies `path` to exactly `address`, and execs it
// with `args` as argv and an empty environment. No allocation between mapping and exec.
Napi::Value ExecAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool lossless = true;
  uint64_t address = info[0].As<Napi::BigInt>().Uint64Value(&lossless);
  std::string path = info[1].As<Napi::String>().Utf8Value();
  Napi::Array args = info[2].As<Napi::Array>();
  std::vector<std::string> strings;
  for (uint32_t i = 0; i < args.Length(); i++)
    strings.push_back(args.Get(i).As<Napi::String>().Utf8Value());
  std::vector<char*> argv;
  for (auto& s : strings) argv.push_back(&s[0]);
  argv.push_back(nullptr);
  char* envp[] = {nullptr};
  // Node marks stdio close-on-exec; the program should write where this process does.
  for (int fd = 0; fd <= 2; fd++) fcntl(fd, F_SETFD, 0);
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  uint64_t start = address & ~(page - 1);
  size_t length = ((address + path.size() + 1 + page - 1) & ~(page - 1)) - start;
  Napi::Object out = Napi::Object::New(env);
  void* mapped = mmap(reinterpret_cast<void*>(start), length, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (mapped == MAP_FAILED) {
    out.Set("step", Napi::String::New(env, "mmap"));
    out.Set("code", Napi::String::New(env, ErrnoName(errno)));
    return out;
  }
  memcpy(reinterpret_cast<void*>(address), path.c_str(), path.size() + 1);
  syscall(SYS_execve, address, argv.data(), envp);
  out.Set("step", Napi::String::New(env, "execve"));
  out.Set("code", Napi::String::New(env, ErrnoName(errno)));
  return out;
}

// runtimeCpu() -> { count, frequency } as abseil answers V8 on its first contended lock
// and first queued waiter (Node 22+), or null when the runtime has no abseil (Node 20).
Napi::Value RuntimeCpu(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto count =
      reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "_ZN4absl13base_internal7NumCPUsEv"));
  auto frequency = reinterpret_cast<double (*)()>(
      dlsym(RTLD_DEFAULT, "_ZN4absl13base_internal19NominalCPUFrequencyEv"));
  if (count == nullptr || frequency == nullptr) return env.Null();
  Napi::Object out = Napi::Object::New(env);
  out.Set("count", count());
  out.Set("frequency", frequency());
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("runtimeCpu", Napi::Function::New<RuntimeCpu>(env, "runtimeCpu"));
  exports.Set("ioUringRing", Napi::Function::New<IoUringRing>(env, "ioUringRing"));
  exports.Set("ioUringOpenat", Napi::Function::New<IoUringOpenat>(env, "ioUringOpenat"));
  exports.Set("threadBlockingSignal",
              Napi::Function::New<ThreadBlockingSignal>(env, "threadBlockingSignal"));
  exports.Set("rawSyscall", Napi::Function::New<RawSyscall>(env, "rawSyscall"));
  exports.Set("threadLocalAllowFilter",
              Napi::Function::New<ThreadLocalAllowFilter>(env, "threadLocalAllowFilter"));
  exports.Set("startSpinningThread",
              Napi::Function::New<StartSpinningThread>(env, "startSpinningThread"));
  exports.Set("callOnSpinningThread",
              Napi::Function::New<CallOnSpinningThread>(env, "callOnSpinningThread"));
  exports.Set("threadLocalAllowFilter",
              Napi::Function::New<ThreadLocalAllowFilter>(env, "threadLocalAllowFilter"));
  exports.Set("takeOverSigsys", Napi::Function::New<TakeOverSigsys>(env, "takeOverSigsys"));
  exports.Set("swallowedViolations",
              Napi::Function::New<SwallowedViolations>(env, "swallowedViolations"));
  exports.Set("signalProcess", Napi::Function::New<SignalProcess>(env, "signalProcess"));
  exports.Set("signalOwnThreads", Napi::Function::New<SignalOwnThreads>(env, "signalOwnThreads"));
  exports.Set("execAt", Napi::Function::New<ExecAt>(env, "execAt"));
  return exports;
}

}  // namespace

NODE_API_MODULE(seccomp_node_probes, Init)

// Native probes for the test suite only: issue a raw system call through a chosen ABI,
// install a do-nothing filter on the calling thread only, run a native thread that Node
// knows nothing about, submit an openat through an io_uring ring of its own, and start a
// thread that never answers a given signal. They let tests do what Node's own APIs never do
// (mount, reboot, x32 and i386 calls, a thread whose filter differs from the others, a busy
// thread that existed before lockdown), the way native code inside a locked-down process
// would. This addon is built for the tests (test/global-setup.ts) and is never part of the
// package: a shipped raw-syscall primitive would be a gift to an attacker who has only
// JavaScript.
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

Napi::Object Init(Napi::Env env, Napi::Object exports) {
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
  return exports;
}

}  // namespace

NODE_API_MODULE(seccomp_node_probes, Init)

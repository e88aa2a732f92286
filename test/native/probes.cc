// Native probes for the test suite only: issue a raw system call through a chosen ABI,
// install a do-nothing filter on the calling thread only, and run a native thread that
// Node knows nothing about. They let tests do what Node's own APIs never do (mount, reboot,
// x32 and i386 calls, a thread whose filter differs from the others, a busy thread that
// existed before lockdown), the way native code inside a locked-down process would. This addon is
// built for the tests (test/global-setup.ts) and is never part of the package: a shipped
// raw-syscall primitive would be a gift to an attacker who has only JavaScript.
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <string>

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

Napi::Object Init(Napi::Env env, Napi::Object exports) {
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

// Puts a BPF program into the kernel: exactly the bytes the caller verified, never a
// program rebuilt on the way (libseccomp's seccomp_load would generate it again). Sets
// no_new_privs first, as a filter without CAP_SYS_ADMIN requires.
#include "load.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "common.h"
#include "violation_report.h"

namespace seccomp_node {
namespace {

// The kernel's limit on one classic BPF program (BPF_MAXINSNS).
constexpr size_t kMaxInstructions = 4096;

// One entry per line of a JS string (anything else counts as none): the report's tables
// arrive as one string each, which costs one conversion instead of one per syscall.
std::vector<std::string> Lines(Napi::Value value) {
  std::vector<std::string> out;
  if (!value.IsString()) return out;
  const std::string text = value.As<Napi::String>().Utf8Value();
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.emplace_back(text, start, end - start);
    start = end + 1;
  }
  return out;
}

// loadProgram(program: Buffer, options: { tsync: boolean, report: boolean, syscallNames?,
// syscallHints? }): tsync synchronises every thread (in-process lockdown; false right before
// execve); report installs the SIGSYS reporter first, so that the first trap finds it, with
// the native syscall names (from the kernel's tables in TypeScript) and the hint line for
// each (which groups would allow it) that it prints: one string each, a line per number.
Napi::Value LoadProgram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsBuffer() || !info[1].IsObject()) {
    ThrowCode(env, "ERR_SECCOMP_NATIVE", "loadProgram(program: Buffer, options: object)");
  }
  Napi::Buffer<uint8_t> bytes = info[0].As<Napi::Buffer<uint8_t>>();
  Napi::Object options = info[1].As<Napi::Object>();
  size_t count = bytes.Length() / sizeof(sock_filter);
  if (bytes.Length() % sizeof(sock_filter) != 0 || count == 0 || count > kMaxInstructions) {
    ThrowCode(env, "ERR_SECCOMP_NATIVE",
              "loadProgram: not a BPF program of 1 to 4096 instructions");
  }
  // A copy: aligned for the kernel, and beyond the reach of JS while the kernel reads it.
  std::vector<sock_filter> instructions(count);
  memcpy(instructions.data(), bytes.Data(), bytes.Length());
  sock_fprog program{};
  program.len = static_cast<unsigned short>(count);
  program.filter = instructions.data();

  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    ThrowErrno(env, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
  // The reporter must be in place before the first trap can happen; if the load fails,
  // the previous SIGSYS disposition comes back so the process is left as it was.
  struct sigaction previous {};
  bool reporter_installed = false;
  if (options.Get("report").ToBoolean() &&
      !InstallViolationReporter(&previous, &reporter_installed, Lines(options.Get("syscallNames")),
                                Lines(options.Get("syscallHints")))) {
    ThrowErrno(env, errno, "sigaction(SIGSYS)");
  }
  unsigned int flags = options.Get("tsync").ToBoolean() ? SECCOMP_FILTER_FLAG_TSYNC : 0;
  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &program);
  int saved = errno;
  if (rc != 0 && reporter_installed) RestoreViolationReporter(previous);
  // With TSYNC, a positive return is the id of a thread that could not be synchronised;
  // the kernel then loads nothing.
  if (rc > 0) {
    Napi::Error error =
        Napi::Error::New(env, "thread " + std::to_string(rc) + " could not be synchronised");
    error.Set("code", Napi::String::New(env, "ESRCH"));
    error.Set("thread", Napi::Number::New(env, static_cast<double>(rc)));
    throw error;
  }
  if (rc < 0) ThrowErrno(env, saved, "seccomp(SECCOMP_SET_MODE_FILTER)");
  return env.Undefined();
}

}  // namespace

void InitLoad(Napi::Env env, Napi::Object exports) {
  exports.Set("loadProgram", Napi::Function::New<Guarded<LoadProgram>>(env, "loadProgram"));
}

}  // namespace seccomp_node

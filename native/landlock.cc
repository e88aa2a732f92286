// Landlock: the kernel's ABI version, and a ruleset built from an already-decided spec
// (src/landlock/compile.ts) applied to the calling thread, to every thread with TSYNC
// (ABI 8+), or to every thread through the signal handshake of every_thread.cc. Which
// rights are handled, which paths and ports get which rights and how threads are covered
// are all TypeScript's decisions; this file only maps them to the system calls.
#include "landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "common.h"
#include "every_thread.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

namespace seccomp_node {
namespace {

constexpr uint32_t kCreateRulesetVersion = 1U << 0;
constexpr uint32_t kCreateRulesetErrata = 1U << 1;
constexpr uint32_t kRestrictSelfTsync = 1U << 3;
constexpr int kRulePathBeneath = 1;
constexpr int kRuleNetPort = 2;

// The kernel's structures (linux/landlock.h; Debian 12's headers predate the network and
// scope fields, so they are spelled out here).
struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};
struct __attribute__((packed)) PathBeneathAttr {
  uint64_t allowed_access;
  int32_t parent_fd;
};
struct NetPortAttr {
  uint64_t allowed_access;
  uint64_t port;
};

struct RestrictArgs {
  int ruleset_fd;
  uint32_t flags;
};

// What each thread runs (in a signal handler on all but the caller): raw calls only.
int RestrictSelf(const void* argument) {
  const auto* args = static_cast<const RestrictArgs*>(argument);
  if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  if (syscall(SYS_landlock_restrict_self, args->ruleset_fd, args->flags) != 0) return errno;
  return 0;
}

uint64_t U64(Napi::Object obj, const char* key) {
  return static_cast<uint64_t>(obj.Get(key).As<Napi::Number>().Int64Value());
}

[[noreturn]] void ThrowStage(Napi::Env env, int err, const std::string& what, const char* stage,
                             const std::string* path = nullptr) {
  Napi::Error error = Napi::Error::New(env, what + ": " + strerror(err));
  if (path != nullptr) error.Set("path", Napi::String::New(env, *path));
  error.Set("code", Napi::String::New(env, ErrnoName(err)));
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("stage", Napi::String::New(env, stage));
  throw error;
}

// landlockAbi() -> { abi, errata } or { abi: 0, code } when the kernel has no Landlock
// (ENOSYS: not built in; EOPNOTSUPP: built in but not enabled at boot).
Napi::Value LandlockAbi(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
  if (abi < 0) {
    out.Set("abi", Napi::Number::New(env, 0));
    out.Set("code", Napi::String::New(env, ErrnoName(errno)));
    return out;
  }
  out.Set("abi", Napi::Number::New(env, static_cast<double>(abi)));
  long errata = syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetErrata);
  out.Set("errata", Napi::Number::New(env, errata < 0 ? 0 : static_cast<double>(errata)));
  return out;
}

// applyLandlock(spec) -> { threads, ioWorkers }. spec: { handledFs, handledNet, scoped,
// paths: [{ path, access }], ports: [{ port, access }], threads: 'calling' | 'tsync' |
// 'every', timeoutMs }. Until the restriction itself, any failure throws with the process
// unchanged (errno name as code; `stage`, and `path` for a path rule).
Napi::Value ApplyLandlock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object spec = info[0].As<Napi::Object>();
  RulesetAttr attr{U64(spec, "handledFs"), U64(spec, "handledNet"), U64(spec, "scoped")};
  // The smallest size that holds what is set, so that older kernels take it.
  size_t size = attr.scoped != 0 ? sizeof(RulesetAttr) : attr.handled_access_net != 0 ? 16 : 8;
  UniqueFd ruleset(static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, size, 0)));
  if (ruleset.get() < 0) ThrowStage(env, errno, "landlock_create_ruleset", "ruleset");

  Napi::Array paths = spec.Get("paths").As<Napi::Array>();
  for (uint32_t i = 0; i < paths.Length(); i++) {
    Napi::Object rule = paths.Get(i).As<Napi::Object>();
    std::string path = rule.Get("path").As<Napi::String>().Utf8Value();
    UniqueFd fd(open(path.c_str(), O_PATH | O_CLOEXEC));
    if (fd.get() < 0) ThrowStage(env, errno, "open(" + path + ")", "path", &path);
    PathBeneathAttr beneath{U64(rule, "access"), fd.get()};
    if (syscall(SYS_landlock_add_rule, ruleset.get(), kRulePathBeneath, &beneath, 0) != 0) {
      ThrowStage(env, errno, "landlock_add_rule(" + path + ")", "path", &path);
    }
  }
  Napi::Array ports = spec.Get("ports").As<Napi::Array>();
  for (uint32_t i = 0; i < ports.Length(); i++) {
    Napi::Object rule = ports.Get(i).As<Napi::Object>();
    NetPortAttr port{U64(rule, "access"), U64(rule, "port")};
    if (syscall(SYS_landlock_add_rule, ruleset.get(), kRuleNetPort, &port, 0) != 0) {
      ThrowStage(env, errno, "landlock_add_rule(port " + std::to_string(port.port) + ")", "port");
    }
  }

  std::string threads = spec.Get("threads").As<Napi::String>().Utf8Value();
  Napi::Object out = Napi::Object::New(env);
  if (threads == "calling" || threads == "tsync") {
    RestrictArgs args{ruleset.get(), threads == "tsync" ? kRestrictSelfTsync : 0};
    int err = RestrictSelf(&args);
    if (err != 0) ThrowStage(env, err, "landlock_restrict_self", "restrict");
    out.Set("threads", Napi::Number::New(env, 1));
    out.Set("ioWorkers", Napi::Number::New(env, 0));
    return out;
  }
  if (threads != "every") ThrowCode(env, "ERR_SECCOMP_NATIVE", "unknown thread mode " + threads);
  RestrictArgs args{ruleset.get(), 0};
  int timeout_ms = spec.Get("timeoutMs").As<Napi::Number>().Int32Value();
  EveryThreadResult result = RunOnEveryThread(RestrictSelf, &args, timeout_ms);
  if (result.error != 0) {
    Napi::Error error = Napi::Error::New(
        env, "restricting every thread failed (" + result.stage + "): " + strerror(result.error));
    error.Set("code", Napi::String::New(env, ErrnoName(result.error)));
    error.Set("errno", Napi::Number::New(env, result.error));
    error.Set("stage", Napi::String::New(env, "threads"));
    error.Set("detail", Napi::String::New(env, result.stage));
    if (result.thread != 0) error.Set("thread", Napi::Number::New(env, result.thread));
    throw error;
  }
  out.Set("threads", Napi::Number::New(env, result.applied));
  out.Set("ioWorkers", Napi::Number::New(env, result.io_workers));
  return out;
}

}  // namespace

void InitLandlock(Napi::Env env, Napi::Object exports) {
  exports.Set("landlockAbi", Napi::Function::New<Guarded<LandlockAbi>>(env, "landlockAbi"));
  exports.Set("applyLandlock", Napi::Function::New<Guarded<ApplyLandlock>>(env, "applyLandlock"));
}

}  // namespace seccomp_node

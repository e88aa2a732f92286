// Landlock: the kernel's ABI version, and a ruleset built from an already-decided spec
// (src/landlock/compile.ts) applied to the calling thread, to every thread with TSYNC
// (ABI 8+), or to every thread through the signal handshake of every_thread.cc. Which
// rights are handled, which paths and ports get which rights and how threads are covered
// are all TypeScript's decisions; this file only maps them to landlock_ruleset.c, whose
// system calls the launcher shares.
#include "landlock.h"

#include <errno.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common.h"
#include "every_thread.h"
#include "landlock_ruleset.h"

namespace seccomp_node {
namespace {

struct RestrictArgs {
  int ruleset_fd;
  uint32_t flags;
};

// What each thread runs (in a signal handler on all but the caller): raw calls only.
int RestrictSelf(const void* argument) {
  const auto* args = static_cast<const RestrictArgs*>(argument);
  return landlock_ruleset_restrict_self(args->ruleset_fd, args->flags);
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
  long errata = 0;
  long abi = landlock_ruleset_abi(&errata);
  if (abi < 0) {
    out.Set("abi", Napi::Number::New(env, 0));
    out.Set("code", Napi::String::New(env, ErrnoName(static_cast<int>(-abi))));
    return out;
  }
  out.Set("abi", Napi::Number::New(env, static_cast<double>(abi)));
  out.Set("errata", Napi::Number::New(env, static_cast<double>(errata)));
  return out;
}

// applyLandlock(spec) -> { threads, ioWorkers }. spec: { handledFs, handledNet, scoped,
// paths: [{ path, access }], ports: [{ port, access }], threads: 'calling' | 'tsync' |
// 'every', timeoutMs }. Until the restriction itself, any failure throws with the process
// unchanged (errno name as code; `stage`, and `path` for a path rule).
Napi::Value ApplyLandlock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object spec = info[0].As<Napi::Object>();
  Napi::Array path_list = spec.Get("paths").As<Napi::Array>();
  Napi::Array port_list = spec.Get("ports").As<Napi::Array>();
  std::vector<std::string> path_names;
  std::vector<landlock_path_rule> paths;
  std::vector<landlock_port_rule> ports;
  for (uint32_t i = 0; i < path_list.Length(); i++) {
    path_names.push_back(
        path_list.Get(i).As<Napi::Object>().Get("path").As<Napi::String>().Utf8Value());
  }
  for (uint32_t i = 0; i < path_list.Length(); i++) {
    paths.push_back({path_names[i].c_str(), U64(path_list.Get(i).As<Napi::Object>(), "access")});
  }
  for (uint32_t i = 0; i < port_list.Length(); i++) {
    Napi::Object rule = port_list.Get(i).As<Napi::Object>();
    ports.push_back({U64(rule, "port"), U64(rule, "access")});
  }
  landlock_ruleset_spec ruleset_spec{U64(spec, "handledFs"),
                                     U64(spec, "handledNet"),
                                     U64(spec, "scoped"),
                                     paths.data(),
                                     paths.size(),
                                     ports.data(),
                                     ports.size()};
  landlock_failure failure{};
  UniqueFd ruleset(landlock_ruleset_build(&ruleset_spec, &failure));
  if (ruleset.get() < 0) {
    if (failure.stage == LANDLOCK_STAGE_RULESET) {
      ThrowStage(env, failure.error, "landlock_create_ruleset", "ruleset");
    }
    if (failure.stage == LANDLOCK_STAGE_PATH) {
      const std::string& path = path_names[failure.index];
      ThrowStage(env, failure.error, "landlock_add_rule(" + path + ")", "path", &path);
    }
    ThrowStage(env, failure.error,
               "landlock_add_rule(port " + std::to_string(ports[failure.index].port) + ")", "port");
  }

  std::string threads = spec.Get("threads").As<Napi::String>().Utf8Value();
  Napi::Object out = Napi::Object::New(env);
  if (threads == "calling" || threads == "tsync") {
    RestrictArgs args{ruleset.get(), threads == "tsync" ? LANDLOCK_RULESET_RESTRICT_TSYNC : 0};
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

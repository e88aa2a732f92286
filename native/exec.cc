// Replaces the process with another program, for filters that must be in place from the
// program's first instruction (seccomp-node run, sandbox.spawn).
//
// prepareExec() copies the path, argv and environment into memory that stays put and
// returns the address of the path string. The TypeScript side then allows execve only
// for that address (seccomp can compare pointers, not strings), loads the filter, and
// calls execPrepared().
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "common.h"

namespace seccomp_node {
namespace {

struct PreparedExec {
  std::string path;
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::vector<char*> argv_ptrs;
  std::vector<char*> env_ptrs;
};

// One per process: the process is about to be replaced.
PreparedExec* g_prepared = nullptr;

std::vector<std::string> Strings(Napi::Array array) {
  std::vector<std::string> out;
  for (uint32_t i = 0; i < array.Length(); i++)
    out.push_back(array.Get(i).As<Napi::String>().Utf8Value());
  return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(&s[0]);
  out.push_back(nullptr);
  return out;
}

// prepareExec(path, argv, env, inheritFds) -> address of the path string.
// Node marks every descriptor close-on-exec at startup, stdio included; the ones the
// program must inherit are cleared here, while no filter can object to fcntl yet.
Napi::Value PrepareExec(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array inherit = info[3].As<Napi::Array>();
  for (uint32_t i = 0; i < inherit.Length(); i++) {
    int fd = inherit.Get(i).As<Napi::Number>().Int32Value();
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) != 0)
      ThrowErrno(env, errno, "fcntl(F_SETFD)");
  }
  delete g_prepared;
  g_prepared = new PreparedExec{};
  g_prepared->path = info[0].As<Napi::String>().Utf8Value();
  g_prepared->argv = Strings(info[1].As<Napi::Array>());
  g_prepared->env = Strings(info[2].As<Napi::Array>());
  g_prepared->argv_ptrs = Pointers(g_prepared->argv);
  g_prepared->env_ptrs = Pointers(g_prepared->env);
  return Napi::BigInt::New(
      env, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(g_prepared->path.c_str())));
}

Napi::Value ExecPrepared(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (g_prepared == nullptr)
    ThrowCode(env, "ERR_SECCOMP_NATIVE", "execPrepared() without prepareExec()");
  execve(g_prepared->path.c_str(), g_prepared->argv_ptrs.data(), g_prepared->env_ptrs.data());
  ThrowErrno(env, errno, "execve(" + g_prepared->path + ")");
}

}  // namespace

void InitExec(Napi::Env env, Napi::Object exports) {
  exports.Set("prepareExec", Napi::Function::New<Guarded<PrepareExec>>(env, "prepareExec"));
  exports.Set("execPrepared", Napi::Function::New<Guarded<ExecPrepared>>(env, "execPrepared"));
}

}  // namespace seccomp_node

// Replaces the process with another program, for filters that must be in place from the
// program's first instruction (seccomp-node run, sandbox.spawn).
//
// prepareExec() lays the path, argv and environment out in an exec image (exec_image.h): a
// read-only mapping of their own at a random address, which the program cannot know. It
// returns the address of the path. The TypeScript side then allows execve only for that
// address (seccomp can compare pointers, not strings), loads the filter, and calls
// execPrepared(). The exec takes the mapping with the rest of this address space.
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "common.h"
#include "exec_image.h"

namespace seccomp_node {
namespace {

// The image of the one exec this process is about to make; replaced by a later prepareExec.
class PreparedExec {
 public:
  ~PreparedExec() { exec_image_release(&image_); }
  int Build(const std::string& path, const std::vector<std::string>& argv,
            const std::vector<std::string>& env) {
    exec_image_release(&image_);
    std::vector<const char*> argv_ptrs = Pointers(argv);
    std::vector<const char*> env_ptrs = Pointers(env);
    return exec_image_build(&image_, path.c_str(), argv_ptrs.data(), env_ptrs.data());
  }
  const exec_image& image() const { return image_; }

 private:
  static std::vector<const char*> Pointers(const std::vector<std::string>& strings) {
    std::vector<const char*> out;
    for (const auto& s : strings) out.push_back(s.c_str());
    out.push_back(nullptr);
    return out;
  }
  exec_image image_{};
};

// One per process: the process is about to be replaced.
PreparedExec g_prepared;

std::vector<std::string> Strings(Napi::Array array) {
  std::vector<std::string> out;
  for (uint32_t i = 0; i < array.Length(); i++)
    out.push_back(array.Get(i).As<Napi::String>().Utf8Value());
  return out;
}

// prepareExec(path, argv, env, inheritFds) -> address of the path in the exec image.
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
  int err =
      g_prepared.Build(info[0].As<Napi::String>().Utf8Value(), Strings(info[1].As<Napi::Array>()),
                       Strings(info[2].As<Napi::Array>()));
  if (err != 0) ThrowErrno(env, err, "preparing the exec image");
  return Napi::BigInt::New(
      env, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(g_prepared.image().path)));
}

Napi::Value ExecPrepared(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const exec_image& image = g_prepared.image();
  if (image.path == nullptr)
    ThrowCode(env, "ERR_SECCOMP_NATIVE", "execPrepared() without prepareExec()");
  execve(image.path, image.argv, image.envp);
  ThrowErrno(env, errno, std::string("execve(") + image.path + ")");
}

}  // namespace

void InitExec(Napi::Env env, Napi::Object exports) {
  exports.Set("prepareExec", Napi::Function::New<Guarded<PrepareExec>>(env, "prepareExec"));
  exports.Set("execPrepared", Napi::Function::New<Guarded<ExecPrepared>>(env, "execPrepared"));
}

}  // namespace seccomp_node

// Names the process that may ptrace this one (PR_SET_PTRACER). In-process learn mode
// starts strace and must let it attach where Yama's ptrace_scope 1 admits only ancestors.
#include "ptracer.h"

#include <errno.h>
#include <sys/prctl.h>

#include "common.h"

namespace seccomp_node {
namespace {

// allowTracer(pid): PR_SET_PTRACER. TypeScript has checked that pid is a positive integer.
Napi::Value AllowTracer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  unsigned long pid = info[0].As<Napi::Number>().Uint32Value();
  if (prctl(PR_SET_PTRACER, pid, 0, 0, 0) != 0) ThrowErrno(env, errno, "prctl(PR_SET_PTRACER)");
  return env.Undefined();
}

}  // namespace

void InitPtracer(Napi::Env env, Napi::Object exports) {
  exports.Set("allowTracer", Napi::Function::New<Guarded<AllowTracer>>(env, "allowTracer"));
}

}  // namespace seccomp_node

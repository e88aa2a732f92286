// Module entry point: each concept registers its own functions.
#include <napi.h>

#include "constants.h"
#include "exec.h"
#include "filter.h"
#include "landlock.h"
#include "load.h"
#include "prime.h"
#include "ptracer.h"
#include "supervisor.h"

namespace seccomp_node {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InitFilter(env, exports);
  InitLandlock(env, exports);
  InitLoad(env, exports);
  InitConstants(env, exports);
  InitExec(env, exports);
  InitPtracer(env, exports);
  InitPrime(env, exports);
  InitSupervisor(env, exports);
  return exports;
}

NODE_API_MODULE(seccomp_node, Init)

}  // namespace seccomp_node

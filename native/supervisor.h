// The parent's side of a launched child (native/launcher.c): the channel that carries the
// launch configuration, and the supervisor thread that answers the child's seccomp
// notifications. See supervisor.cc.
#pragma once

#include <napi.h>

namespace seccomp_node {
void InitSupervisor(Napi::Env env, Napi::Object exports);
}  // namespace seccomp_node

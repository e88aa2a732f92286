#pragma once
#include <napi.h>
namespace seccomp_node {
void InitProbes(Napi::Env env, Napi::Object exports);
}

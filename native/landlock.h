#pragma once
#include <napi.h>
namespace seccomp_node {
void InitLandlock(Napi::Env env, Napi::Object exports);
}

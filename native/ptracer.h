#pragma once
#include <napi.h>
namespace seccomp_node {
void InitPtracer(Napi::Env env, Napi::Object exports);
}

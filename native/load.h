#pragma once
#include <napi.h>
namespace seccomp_node {
void InitLoad(Napi::Env env, Napi::Object exports);
}

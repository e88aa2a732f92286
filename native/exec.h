#pragma once
#include <napi.h>
namespace seccomp_node {
void InitExec(Napi::Env env, Napi::Object exports);
}

#pragma once
#include <napi.h>
namespace seccomp_node {
void InitConstants(Napi::Env env, Napi::Object exports);
}

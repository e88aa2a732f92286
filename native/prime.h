#pragma once
#include <napi.h>
namespace seccomp_node {
void InitPrime(Napi::Env env, Napi::Object exports);
}

#pragma once
#include <napi.h>
namespace seccomp_node {
void InitFilter(Napi::Env env, Napi::Object exports);
}

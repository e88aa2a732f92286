// Work glibc does lazily, done before a filter is loaded, while it may still open files.
//
// The first time a thread's malloc arena shrinks, glibc reads
// /proc/sys/vm/overcommit_memory (check_may_shrink_heap) and caches the answer. Under a
// policy without read-only opens that openat would kill the process, at a moment nobody
// can predict. A short-lived thread that fills and frees its own arena makes glibc read
// it now. Best effort: if the thread shares the main arena, nothing happens.
#include <napi.h>
#include <pthread.h>

#include <cstdlib>

#include "common.h"
#include "glibc_symbols.h"

namespace seccomp_node {
namespace {

void* ShrinkOwnArena(void*) {
  // 512 KiB in blocks below the 128 KiB mmap threshold, so that they come from this
  // thread's arena: freed, they leave a top chunk well above the 128 KiB trim threshold and
  // top pad, and glibc shrinks the heap. Few large blocks rather than many pages: malloc
  // touches only their headers, so this costs a few page faults, not hundreds.
  constexpr int kBlocks = 8;
  constexpr size_t kBlockSize = 64 * 1024;
  void* blocks[kBlocks];
  for (int i = 0; i < kBlocks; i++) blocks[i] = malloc(kBlockSize);
  for (int i = kBlocks - 1; i >= 0; i--) free(blocks[i]);
  return nullptr;
}

Napi::Value PrimeLibc(const Napi::CallbackInfo& info) {
  pthread_t thread;
  if (pthread_create(&thread, nullptr, ShrinkOwnArena, nullptr) == 0) pthread_join(thread, nullptr);
  return info.Env().Undefined();
}

}  // namespace

void InitPrime(Napi::Env env, Napi::Object exports) {
  exports.Set("primeLibc", Napi::Function::New<Guarded<PrimeLibc>>(env, "primeLibc"));
}

}  // namespace seccomp_node

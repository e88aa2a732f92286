// Work glibc does lazily, done before a filter is loaded, while it may still open files.
//
// The first time a thread's malloc arena shrinks, glibc reads
// /proc/sys/vm/overcommit_memory (check_may_shrink_heap) and caches the answer. Under a
// policy without read-only opens that openat would kill the process, at a moment nobody
// can predict. A short-lived thread that fills and frees its own arena makes glibc read
// it now. Best effort: if the thread shares the main arena, nothing happens.
//
// V8 in Node 22 and later locks with abseil's Mutex. The first contended lock asks
// absl::base_internal::NumCPUs() (reads /sys/devices/system/cpu/online), the first waiter
// queued asks NominalCPUFrequency() (reads .../cpu0/tsc_freq_khz, or times the TSC for a few
// milliseconds where that file is missing). Each caches its answer, on whichever thread gets
// there first: often a V8 worker, long after lockdown. Node exports both functions, so
// calling them here fills the caches.
#include <dlfcn.h>
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

// Mangled names of `int absl::base_internal::NumCPUs()` and
// `double absl::base_internal::NominalCPUFrequency()`, exported by Node's binary.
constexpr char kAbslNumCpus[] = "_ZN4absl13base_internal7NumCPUsEv";
constexpr char kAbslCpuFrequency[] = "_ZN4absl13base_internal19NominalCPUFrequencyEv";

// primeRuntime() -> true when the runtime had lazy probes to run (Node 22+), else false.
Napi::Value PrimeRuntime(const Napi::CallbackInfo& info) {
  auto num_cpus = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, kAbslNumCpus));
  auto cpu_frequency = reinterpret_cast<double (*)()>(dlsym(RTLD_DEFAULT, kAbslCpuFrequency));
  if (num_cpus != nullptr) num_cpus();
  if (cpu_frequency != nullptr) cpu_frequency();
  return Napi::Boolean::New(info.Env(), num_cpus != nullptr && cpu_frequency != nullptr);
}

}  // namespace

void InitPrime(Napi::Env env, Napi::Object exports) {
  exports.Set("primeLibc", Napi::Function::New<Guarded<PrimeLibc>>(env, "primeLibc"));
  exports.Set("primeRuntime", Napi::Function::New<Guarded<PrimeRuntime>>(env, "primeRuntime"));
}

}  // namespace seccomp_node

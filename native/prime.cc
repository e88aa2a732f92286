// Work glibc does lazily, done before a filter is loaded, while it may still open files.
//
// The first time a thread's malloc arena shrinks, glibc reads
// /proc/sys/vm/overcommit_memory (check_may_shrink_heap) and caches the answer. Under a
// policy without read-only opens that openat would kill the process, at a moment nobody
// can predict. A short-lived thread that fills and frees its own arena makes glibc read
// it now (see ShrinkOwnArena).
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

#include <malloc.h>

#include <cstdlib>

#include "common.h"
#include "glibc_symbols.h"

namespace seccomp_node {
namespace {

// The non-main arenas' total size, which shrinking a heap lowers. mallinfo() rather than
// mallinfo2(): the latter needs glibc 2.33, the prebuild 2.28; the sizes here fit an int.
size_t ArenaBytes() {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  return static_cast<size_t>(static_cast<unsigned int>(mallinfo().arena));
#pragma GCC diagnostic pop
}

// glibc shrinks a thread's heap only when the free top exceeds the trim threshold, and that
// threshold grows (to twice the mmap threshold, up to 64 MiB) each time the process frees a
// large mmapped block, as Node does with buffers. So this tries growing sizes, 512 KiB to
// 32 MiB, in 64 KiB blocks (below any mmap threshold, so they come from this thread's arena;
// malloc touches only their headers), until freeing them shrinks the heap. Returns whether
// it did.
void* ShrinkOwnArena(void* shrunk) {
  constexpr size_t kBlockSize = 64 * 1024;
  constexpr size_t kMaxBlocks = 512;  // 32 MiB
  void* blocks[kMaxBlocks];
  for (size_t count = 8; count <= kMaxBlocks; count *= 4) {
    size_t allocated = 0;
    while (allocated < count && (blocks[allocated] = malloc(kBlockSize)) != nullptr) allocated++;
    const size_t before = ArenaBytes();
    while (allocated > 0) free(blocks[--allocated]);
    if (ArenaBytes() < before) {
      *static_cast<bool*>(shrunk) = true;
      break;
    }
  }
  return nullptr;
}

// primeLibc() -> whether glibc shrank a heap (and so read its overcommit setting) just now.
// False may also mean it had read it before: it reads it once per process.
Napi::Value PrimeLibc(const Napi::CallbackInfo& info) {
  pthread_t thread;
  bool shrunk = false;
  if (pthread_create(&thread, nullptr, ShrinkOwnArena, &shrunk) == 0) pthread_join(thread, nullptr);
  return Napi::Boolean::New(info.Env(), shrunk);
}

// Mangled names of `int absl::base_internal::NumCPUs()` and
// `double absl::base_internal::NominalCPUFrequency()`, exported by Node's binary.
constexpr char kAbslNumCpus[] = "_ZN4absl13base_internal7NumCPUsEv";
constexpr char kAbslCpuFrequency[] = "_ZN4absl13base_internal19NominalCPUFrequencyEv";

// Node's abseil probes, if this Node has them (22+): whether it does.
void* RunRuntimeProbes(void* found) {
  auto num_cpus = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, kAbslNumCpus));
  auto cpu_frequency = reinterpret_cast<double (*)()>(dlsym(RTLD_DEFAULT, kAbslCpuFrequency));
  if (num_cpus != nullptr) num_cpus();
  if (cpu_frequency != nullptr) cpu_frequency();
  *static_cast<bool*>(found) = num_cpus != nullptr && cpu_frequency != nullptr;
  return nullptr;
}

// Timing the TSC takes a few milliseconds of sleeping, so a lockdown starts the probes on a
// thread of their own (beginPrimeRuntime) and joins it right before the load (primeRuntime).
// Only the JS thread calls these two.
pthread_t probe_thread;
bool probe_running = false;
bool probe_found = false;

// beginPrimeRuntime() -> undefined. Starts the probes unless they are running; where no
// thread can be started, primeRuntime() runs them itself.
Napi::Value BeginPrimeRuntime(const Napi::CallbackInfo& info) {
  if (!probe_running)
    probe_running = pthread_create(&probe_thread, nullptr, RunRuntimeProbes, &probe_found) == 0;
  return info.Env().Undefined();
}

// primeRuntime() -> true when the runtime had lazy probes to run (Node 22+), else false.
// Returns once they have run: joins the thread beginPrimeRuntime() started, or runs them.
Napi::Value PrimeRuntime(const Napi::CallbackInfo& info) {
  if (probe_running) {
    pthread_join(probe_thread, nullptr);
    probe_running = false;
  } else {
    RunRuntimeProbes(&probe_found);
  }
  return Napi::Boolean::New(info.Env(), probe_found);
}

}  // namespace

void InitPrime(Napi::Env env, Napi::Object exports) {
  exports.Set("primeLibc", Napi::Function::New<Guarded<PrimeLibc>>(env, "primeLibc"));
  exports.Set("beginPrimeRuntime",
              Napi::Function::New<Guarded<BeginPrimeRuntime>>(env, "beginPrimeRuntime"));
  exports.Set("primeRuntime", Napi::Function::New<Guarded<PrimeRuntime>>(env, "primeRuntime"));
}

}  // namespace seccomp_node

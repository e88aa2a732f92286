// Loads libseccomp.so.2 with dlopen so that the addon builds without libseccomp-dev and
// imports cleanly where the library is absent (isSupported() then says why).
#include "libseccomp.h"

#include "glibc_symbols.h"

#include <dlfcn.h>

#include <mutex>

namespace seccomp_node {
namespace {

template <typename Fn>
bool Bind(void* handle, const char* symbol, Fn* slot, std::string* missing) {
  *slot = reinterpret_cast<Fn>(dlsym(handle, symbol));
  if (*slot == nullptr) {
    if (!missing->empty()) *missing += ", ";
    *missing += symbol;
  }
  return *slot != nullptr;
}

struct Loaded {
  Libseccomp lib{};
  bool ok = false;
  std::string why;
};

Loaded LoadOnce() {
  Loaded out;
  // The handle is deliberately never closed: the filter functions stay in use for the
  // life of the process.
  void* handle = dlopen("libseccomp.so.2", RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* err = dlerror();
    out.why = std::string("libseccomp.so.2 could not be loaded: ") + (err ? err : "unknown error");
    return out;
  }
  std::string missing;
  Libseccomp& l = out.lib;
  bool ok = true;
  ok &= Bind(handle, "seccomp_init", &l.init, &missing);
  ok &= Bind(handle, "seccomp_release", &l.release, &missing);
  ok &= Bind(handle, "seccomp_attr_set", &l.attr_set, &missing);
  ok &= Bind(handle, "seccomp_arch_native", &l.arch_native, &missing);
  ok &= Bind(handle, "seccomp_arch_add", &l.arch_add, &missing);
  ok &= Bind(handle, "seccomp_arch_remove", &l.arch_remove, &missing);
  ok &= Bind(handle, "seccomp_rule_add_array", &l.rule_add_array, &missing);
  ok &= Bind(handle, "seccomp_syscall_resolve_name", &l.syscall_resolve_name, &missing);
  ok &= Bind(handle, "seccomp_syscall_resolve_name_arch", &l.syscall_resolve_name_arch, &missing);
  ok &= Bind(handle, "seccomp_syscall_resolve_num_arch", &l.syscall_resolve_num_arch, &missing);
  ok &= Bind(handle, "seccomp_load", &l.load, &missing);
  ok &= Bind(handle, "seccomp_export_bpf", &l.export_bpf, &missing);
  ok &= Bind(handle, "seccomp_export_pfc", &l.export_pfc, &missing);
  ok &= Bind(handle, "seccomp_version", &l.version, &missing);
  ok &= Bind(handle, "seccomp_api_get", &l.api_get, &missing);
  if (!ok) {
    out.why = "libseccomp.so.2 lacks " + missing + " (libseccomp 2.5.0 or later is needed)";
    return out;
  }
  out.ok = true;
  return out;
}

}  // namespace

const Libseccomp* Libseccomp::Get(std::string* why) {
  static std::once_flag once;
  static Loaded loaded;
  std::call_once(once, [] { loaded = LoadOnce(); });
  if (!loaded.ok) {
    if (why != nullptr) *why = loaded.why;
    return nullptr;
  }
  return &loaded.lib;
}

}  // namespace seccomp_node

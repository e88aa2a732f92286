// The subset of libseccomp's ABI that seccomp-node uses, resolved at run time with dlopen.
//
// We do not include <seccomp.h>: a fresh machine has libseccomp.so.2 but usually not the
// -dev package. The declarations below follow libseccomp's documented, stable ABI
// (libseccomp.so.2, 2.5.0 and later).
#pragma once

#include <cstdint>
#include <string>

namespace seccomp_node {

using scmp_filter_ctx = void*;
using scmp_datum_t = uint64_t;

// enum scmp_compare
enum ScmpCompare : int {
  kCmpNe = 1,
  kCmpLt = 2,
  kCmpLe = 3,
  kCmpEq = 4,
  kCmpGe = 5,
  kCmpGt = 6,
  kCmpMaskedEq = 7,
};

// enum scmp_filter_attr
enum ScmpAttr : int {
  kAttrActDefault = 1,
  kAttrActBadArch = 2,
  kAttrCtlNnp = 3,
  kAttrCtlTsync = 4,
  kAttrCtlLog = 6,
  kAttrCtlOptimize = 8,  // 2.5.0+
  kAttrApiSysRawRc = 9,  // 2.5.0+
};

struct scmp_arg_cmp {
  unsigned int arg;
  int op;  // ScmpCompare
  scmp_datum_t datum_a;
  scmp_datum_t datum_b;
};

struct scmp_version {
  unsigned int major;
  unsigned int minor;
  unsigned int micro;
};

// Pointers to the libseccomp functions we call. Filled once by Libseccomp::Get().
struct Libseccomp {
  scmp_filter_ctx (*init)(uint32_t def_action);
  void (*release)(scmp_filter_ctx ctx);
  int (*attr_set)(scmp_filter_ctx ctx, int attr, uint32_t value);
  uint32_t (*arch_native)(void);
  int (*arch_add)(scmp_filter_ctx ctx, uint32_t arch_token);
  int (*arch_remove)(scmp_filter_ctx ctx, uint32_t arch_token);
  int (*rule_add_array)(scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int arg_cnt,
                        const scmp_arg_cmp* arg_array);
  int (*syscall_resolve_name)(const char* name);
  int (*syscall_resolve_name_arch)(uint32_t arch_token, const char* name);
  char* (*syscall_resolve_num_arch)(uint32_t arch_token, int num);
  int (*load)(scmp_filter_ctx ctx);
  int (*export_bpf)(scmp_filter_ctx ctx, int fd);
  int (*export_pfc)(scmp_filter_ctx ctx, int fd);
  const scmp_version* (*version)(void);
  unsigned int (*api_get)(void);

  // The loaded library, or nullptr; on nullptr, *why says what is missing.
  static const Libseccomp* Get(std::string* why);
};

}  // namespace seccomp_node

// Builds a libseccomp filter context from an already-validated filter description and
// exports it (BPF or PFC text). All decisions about what the filter contains are made in
// TypeScript (src/compiler.ts); this file only maps them. Loading is not done here: only
// a program that was exported and then verified is ever loaded (load.cc).
#include "filter.h"

#include <sys/mman.h>

#include <vector>

#include "common.h"
#include "libseccomp.h"

namespace seccomp_node {
namespace {

const Libseccomp& RequireLibseccomp(Napi::Env env) {
  std::string why;
  const Libseccomp* lib = Libseccomp::Get(&why);
  if (lib == nullptr) ThrowCode(env, "ERR_SECCOMP_UNSUPPORTED", why);
  return *lib;
}

// Owns a libseccomp filter context for the duration of one build.
class FilterContext {
 public:
  FilterContext(const Libseccomp& lib, uint32_t default_action)
      : lib_(lib), ctx_(lib.init(default_action)) {}
  ~FilterContext() {
    if (ctx_ != nullptr) lib_.release(ctx_);
  }
  FilterContext(const FilterContext&) = delete;
  FilterContext& operator=(const FilterContext&) = delete;
  scmp_filter_ctx get() const { return ctx_; }

 private:
  const Libseccomp& lib_;
  scmp_filter_ctx ctx_;
};

void Check(Napi::Env env, int rc, const std::string& what) {
  if (rc < 0) ThrowErrno(env, -rc, what);
}

uint64_t ToU64(Napi::Env env, Napi::Value value) {
  bool lossless = true;
  uint64_t out = value.As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) ThrowCode(env, "ERR_SECCOMP_NATIVE", "argument datum does not fit in 64 bits");
  return out;
}

uint32_t U32(Napi::Object obj, const char* key) {
  return obj.Get(key).As<Napi::Number>().Uint32Value();
}

void AddRules(Napi::Env env, const Libseccomp& lib, scmp_filter_ctx ctx, Napi::Array rules) {
  for (uint32_t i = 0; i < rules.Length(); i++) {
    Napi::Object rule = rules.Get(i).As<Napi::Object>();
    int syscall = rule.Get("syscall").As<Napi::Number>().Int32Value();
    uint32_t action = U32(rule, "action");
    Napi::Array conds = rule.Get("conditions").As<Napi::Array>();
    std::vector<scmp_arg_cmp> cmps(conds.Length());
    for (uint32_t c = 0; c < conds.Length(); c++) {
      Napi::Object cond = conds.Get(c).As<Napi::Object>();
      cmps[c].arg = U32(cond, "arg");
      cmps[c].op = static_cast<int>(U32(cond, "op"));
      cmps[c].datum_a = ToU64(env, cond.Get("a"));
      cmps[c].datum_b = ToU64(env, cond.Get("b"));
    }
    int rc =
        lib.rule_add_array(ctx, action, syscall, static_cast<unsigned>(cmps.size()), cmps.data());
    if (rc < 0) {
      // `rule` lets the caller name the policy rule this native rule came from.
      Napi::Error error =
          Napi::Error::New(env, "seccomp_rule_add(rule " + std::to_string(i) + ", syscall " +
                                    std::to_string(syscall) + "): " + strerror(-rc));
      error.Set("code", Napi::String::New(env, ErrnoName(-rc)));
      error.Set("errno", Napi::Number::New(env, -rc));
      error.Set("rule", Napi::Number::New(env, i));
      throw error;
    }
  }
}

// Reads everything written to a memfd by one of libseccomp's export functions.
std::string ExportToMemory(Napi::Env env, scmp_filter_ctx ctx,
                           int (*exporter)(scmp_filter_ctx, int), const char* what) {
  UniqueFd fd(memfd_create("seccomp-node-export", MFD_CLOEXEC));
  if (fd.get() < 0) ThrowErrno(env, errno, "memfd_create");
  Check(env, exporter(ctx, fd.get()), what);
  off_t size = lseek(fd.get(), 0, SEEK_END);
  if (size < 0 || lseek(fd.get(), 0, SEEK_SET) < 0) ThrowErrno(env, errno, "lseek");
  std::string out(static_cast<size_t>(size), '\0');
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = read(fd.get(), &out[done], out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ThrowErrno(env, n < 0 ? errno : EIO, "read(memfd)");
    done += static_cast<size_t>(n);
  }
  return out;
}

// buildFilter(spec, mode): mode is "bpf" (returns a Buffer) or "pfc" (returns a string).
Napi::Value BuildFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Libseccomp& lib = RequireLibseccomp(env);
  Napi::Object spec = info[0].As<Napi::Object>();
  std::string mode = info[1].As<Napi::String>().Utf8Value();

  FilterContext filter(lib, U32(spec, "defaultAction"));
  scmp_filter_ctx ctx = filter.get();
  if (ctx == nullptr)
    ThrowCode(env, "ERR_SECCOMP_NATIVE", "seccomp_init failed (bad default action?)");

  uint32_t arch = U32(spec, "arch");
  uint32_t native = lib.arch_native();
  if (arch != native) {
    // Native out first: a context holds one byte order, so adding a big-endian target
    // (s390x) beside a little-endian native architecture fails with EDOM.
    Check(env, lib.arch_remove(ctx, native), "seccomp_arch_remove");
    Check(env, lib.arch_add(ctx, arch), "seccomp_arch_add");
  }
  Check(env, lib.attr_set(ctx, kAttrActBadArch, U32(spec, "badArchAction")),
        "seccomp_attr_set(BADARCH)");
  Check(env, lib.attr_set(ctx, kAttrCtlOptimize, U32(spec, "optimize")),
        "seccomp_attr_set(OPTIMIZE)");

  AddRules(env, lib, ctx, spec.Get("rules").As<Napi::Array>());

  if (mode == "bpf") {
    std::string bpf = ExportToMemory(env, ctx, lib.export_bpf, "seccomp_export_bpf");
    return Napi::Buffer<char>::Copy(env, bpf.data(), bpf.size());
  }
  if (mode == "pfc") {
    return Napi::String::New(env, ExportToMemory(env, ctx, lib.export_pfc, "seccomp_export_pfc"));
  }
  ThrowCode(env, "ERR_SECCOMP_NATIVE", "unknown build mode " + mode);
}

// libseccomp's library facts: version, API level and the native architecture token.
Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  std::string why;
  const Libseccomp* lib = Libseccomp::Get(&why);
  out.Set("available", Napi::Boolean::New(env, lib != nullptr));
  if (lib == nullptr) {
    out.Set("reason", Napi::String::New(env, why));
    return out;
  }
  const scmp_version* v = lib->version();
  out.Set("version",
          Napi::String::New(env, std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                                     std::to_string(v->micro)));
  out.Set("apiLevel", Napi::Number::New(env, lib->api_get()));
  out.Set("nativeArch", Napi::Number::New(env, lib->arch_native()));
  return out;
}

// resolveSyscall(name[, arch]): without arch, the number libseccomp uses in rules (native,
// or a negative pseudo number for a name that exists only elsewhere); with arch, that
// architecture's own number. -1 (__NR_SCMP_ERROR) means unknown.
Napi::Value ResolveSyscall(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Libseccomp& lib = RequireLibseccomp(env);
  std::string name = info[0].As<Napi::String>().Utf8Value();
  int nr =
      info.Length() > 1 && info[1].IsNumber()
          ? lib.syscall_resolve_name_arch(info[1].As<Napi::Number>().Uint32Value(), name.c_str())
          : lib.syscall_resolve_name(name.c_str());
  return Napi::Number::New(env, nr);
}

// syscallNames(arch, max): the names of syscalls 0..max-1 on arch (null where none).
Napi::Value SyscallNames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Libseccomp& lib = RequireLibseccomp(env);
  uint32_t arch = info[0].As<Napi::Number>().Uint32Value();
  uint32_t max = info[1].As<Napi::Number>().Uint32Value();
  Napi::Array out = Napi::Array::New(env, max);
  for (uint32_t nr = 0; nr < max; nr++) {
    char* name = lib.syscall_resolve_num_arch(arch, static_cast<int>(nr));
    out.Set(nr, name != nullptr ? Napi::Value(Napi::String::New(env, name)) : env.Null());
    free(name);
  }
  return out;
}

}  // namespace

void InitFilter(Napi::Env env, Napi::Object exports) {
  exports.Set("buildFilter", Napi::Function::New<Guarded<BuildFilter>>(env, "buildFilter"));
  exports.Set("libraryInfo", Napi::Function::New<Guarded<Info>>(env, "libraryInfo"));
  exports.Set("resolveSyscall",
              Napi::Function::New<Guarded<ResolveSyscall>>(env, "resolveSyscall"));
  exports.Set("syscallNames", Napi::Function::New<Guarded<SyscallNames>>(env, "syscallNames"));
}

}  // namespace seccomp_node

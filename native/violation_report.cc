// The SIGSYS handler behind the violation report.
//
// Blocked calls are compiled to SECCOMP_RET_TRAP when reporting is on. The kernel then
// skips the call and raises SIGSYS in the calling thread with the syscall number and
// architecture in siginfo. This handler writes one line to stderr and re-issues the very
// same call: the handler was installed with SA_RESETHAND, so the disposition is back to
// SIG_DFL and the filter's second trap ends the whole process by SIGSYS, exactly as
// SECCOMP_RET_KILL_PROCESS would. Everything here is async-signal-safe: no allocation, no
// locks, no stdio; only write(2), gettid(2) and the re-issued call itself.
#include "violation_report.h"

#include <errno.h>
#include <linux/audit.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "libseccomp.h"

namespace seccomp_node {
namespace {

constexpr int kMaxNativeSyscalls = 1024;
constexpr uint32_t kX32Bit = 0x40000000;

// Filled once, before the handler is installed, and never changed afterwards.
const char* g_syscall_names[kMaxNativeSyscalls];
const char* g_syscall_hints[kMaxNativeSyscalls];
uint32_t g_native_arch = 0;
pid_t g_pid = 0;
bool g_installed = false;

class LineWriter {
 public:
  void Text(const char* s) {
    while (*s != '\0' && len_ < sizeof(buf_) - 1) buf_[len_++] = *s++;
  }
  void Number(int64_t value) {
    char digits[24];
    int n = 0;
    uint64_t v = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    if (value < 0) Text("-");
    while (n > 0 && len_ < sizeof(buf_) - 1) buf_[len_++] = digits[--n];
  }
  void Hex(uint32_t value) {
    static const char kDigits[] = "0123456789abcdef";
    Text("0x");
    for (int shift = 28; shift >= 0; shift -= 4) {
      if (len_ < sizeof(buf_) - 1) buf_[len_++] = kDigits[(value >> shift) & 0xf];
    }
  }
  void WriteTo(int fd) {
    size_t done = 0;
    while (done < len_) {
      ssize_t n = write(fd, buf_ + done, len_ - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }

 private:
  char buf_[512];  // the call line and the hint line
  size_t len_ = 0;
};

const char* ArchName(uint32_t arch, int nr) {
  switch (arch) {
    case AUDIT_ARCH_X86_64:
      return (static_cast<uint32_t>(nr) & kX32Bit) ? "x32" : "x86_64";
    case AUDIT_ARCH_I386:
      return "i386";
    case AUDIT_ARCH_AARCH64:
      return "aarch64";
    case AUDIT_ARCH_ARM:
      return "arm";
    default:
      return nullptr;
  }
}

// Issues the trapped call again with its original registers, through the same ABI.
void Reissue(uint32_t arch, int nr, void* context) {
  auto* uc = static_cast<ucontext_t*>(context);
#if defined(__x86_64__)
  greg_t* r = uc->uc_mcontext.gregs;
  if (arch == AUDIT_ARCH_I386) {
    long ret;
    __asm__ volatile("int $0x80"
                     : "=a"(ret)
                     : "a"(nr), "b"(r[REG_RBX]), "c"(r[REG_RCX]), "d"(r[REG_RDX]), "S"(r[REG_RSI]),
                       "D"(r[REG_RDI])
                     : "r8", "r9", "r10", "r11", "memory");
    (void)ret;
    return;
  }
  syscall(nr, r[REG_RDI], r[REG_RSI], r[REG_RDX], r[REG_R10], r[REG_R8], r[REG_R9]);
#elif defined(__aarch64__)
  (void)arch;
  const auto& x = uc->uc_mcontext.regs;
  syscall(nr, x[0], x[1], x[2], x[3], x[4], x[5]);
#else
  (void)arch;
  (void)nr;
  (void)uc;
#endif
}

void OnSigsys(int signo, siginfo_t* info, void* context) {
  int saved_errno = errno;
  const int nr = info->si_syscall;
  const uint32_t arch = info->si_arch;
  const pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));

  LineWriter line;
  line.Text("seccomp-node: blocked system call ");
  const char* name = nullptr;
  if (arch == g_native_arch && nr >= 0 && nr < kMaxNativeSyscalls) name = g_syscall_names[nr];
  line.Text(name != nullptr ? name : "?");
  line.Text(" (nr ");
  line.Number(nr);
  line.Text(", arch ");
  const char* arch_name = ArchName(arch, nr);
  if (arch_name != nullptr)
    line.Text(arch_name);
  else
    line.Hex(arch);
  line.Text(") in thread ");
  line.Number(tid);
  if (tid == g_pid) line.Text(" (main)");
  line.Text("; killing the process with SIGSYS\n");
  const char* hint = nullptr;
  if (arch == g_native_arch && nr >= 0 && nr < kMaxNativeSyscalls) hint = g_syscall_hints[nr];
  if (hint != nullptr) {
    line.Text("seccomp-node: ");
    line.Text(hint);
    line.Text("\n");
  }
  line.WriteTo(STDERR_FILENO);

  // The disposition is SIG_DFL now: the same call traps again and the process dies.
  Reissue(arch, nr, context);
  // Not reached unless the call was allowed the second time (another thread changed
  // something in between). Still end the process by SIGSYS rather than continue.
  syscall(SYS_tgkill, g_pid, tid, signo);
  syscall(SYS_exit_group, 128 + signo);
  errno = saved_errno;
}

void FillSyscallNames(const Libseccomp& lib, const std::vector<std::string>& names,
                      const std::vector<std::string>& hints) {
  g_native_arch = lib.arch_native();
  for (size_t nr = 0; nr < names.size() && nr < kMaxNativeSyscalls; nr++) {
    // Kept for the life of the process: the handler may read them at any time.
    if (!names[nr].empty()) g_syscall_names[nr] = strdup(names[nr].c_str());
  }
  for (size_t nr = 0; nr < hints.size() && nr < kMaxNativeSyscalls; nr++) {
    if (!hints[nr].empty()) g_syscall_hints[nr] = strdup(hints[nr].c_str());
  }
}

}  // namespace

bool InstallViolationReporter(struct sigaction* previous, bool* installed_now,
                              const std::vector<std::string>& names,
                              const std::vector<std::string>& hints) {
  *installed_now = false;
  if (g_installed) return true;
  std::string why;
  const Libseccomp* lib = Libseccomp::Get(&why);
  if (lib == nullptr) {
    errno = ENOSYS;
    return false;
  }
  if (g_native_arch == 0) FillSyscallNames(*lib, names, hints);
  g_pid = getpid();

  struct sigaction action {};
  action.sa_sigaction = OnSigsys;
  action.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGSYS, &action, previous) != 0) return false;
  g_installed = true;
  *installed_now = true;
  return true;
}

void RestoreViolationReporter(const struct sigaction& previous) {
  sigaction(SIGSYS, &previous, nullptr);
  g_installed = false;
}

}  // namespace seccomp_node

#pragma once
#include <signal.h>

#include <string>
#include <vector>
namespace seccomp_node {
// Installs the SIGSYS reporter (once per process). `names` are the native syscall names by
// number (from the kernel's tables in TypeScript), `hints` a second line for each (which
// groups would allow it), both kept for the life of the process.
// Returns false with errno set on failure; *installed_now says whether this call changed the
// disposition (so it can be undone).
bool InstallViolationReporter(struct sigaction* previous, bool* installed_now,
                              const std::vector<std::string>& names,
                              const std::vector<std::string>& hints);
// Puts back the disposition saved by InstallViolationReporter (after a failed load).
void RestoreViolationReporter(const struct sigaction& previous);
}  // namespace seccomp_node

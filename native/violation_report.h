#pragma once
#include <signal.h>
namespace seccomp_node {
// Installs the SIGSYS reporter (once per process). Returns false with errno set on failure;
// *installed_now says whether this call changed the disposition (so it can be undone).
bool InstallViolationReporter(struct sigaction* previous, bool* installed_now);
// Puts back the disposition saved by InstallViolationReporter (after a failed load).
void RestoreViolationReporter(const struct sigaction& previous);
}  // namespace seccomp_node

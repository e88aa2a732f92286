/**
 * What to do when seccomp-node cannot work here, by cause: the addon did not load (no
 * prebuild for this platform, a glibc older than the prebuild needs, musl, addons
 * disabled), or libseccomp is missing or too old. Each message names the fix for the
 * platform, so that a user never has to guess from a dynamic loader's error.
 */

/** Distribution packages that provide libseccomp.so.2 (the -dev packages are not needed). */
const LIBSECCOMP_PACKAGES = 'Debian/Ubuntu: apt-get install libseccomp2; Fedora/RHEL: dnf install libseccomp; ' +
  'Alpine: apk add libseccomp; Arch: pacman -S libseccomp';

const BUILD_FROM_SOURCE = 'build the addon from source instead: install a C++ toolchain and Python ' +
  '(Debian/Ubuntu: apt-get install build-essential python3; Alpine: apk add build-base python3), then run ' +
  '`npm rebuild seccomp-node --build-from-source`';

/** The hint for an addon that failed to load with `message`. */
export function addonLoadHint(message: string): string {
  const glibc = /GLIBC_(\d+\.\d+)' not found/.exec(message);
  if (glibc) {
    return `the prebuilt addon needs glibc ${glibc[1]} or later, and this system's glibc is older; ${BUILD_FROM_SOURCE}`;
  }
  if (/No native build was found/.test(message)) {
    return `there is no prebuilt addon for this platform (seccomp-node ships linux-x64 and linux-arm64 builds for glibc); ${BUILD_FROM_SOURCE}`;
  }
  if (/Error relocating|__libc_|symbol not found/i.test(message)) {
    return `the prebuilt addon is built for glibc, and this looks like musl (Alpine); ${BUILD_FROM_SOURCE}`;
  }
  if (/loading addons is disabled|ERR_DLOPEN_DISABLED/i.test(message)) {
    return 'Node was started with --no-addons, so no native addon can load; start it without that flag';
  }
  return `reinstall the package (npm ci, or npm rebuild seccomp-node), or ${BUILD_FROM_SOURCE}`;
}

/** The hint for a libseccomp that is missing or lacks functions seccomp-node needs. */
export function libseccompHint(): string {
  return `install libseccomp 2.5.0 or later (${LIBSECCOMP_PACKAGES})`;
}

/**
 * Architectures by name and by audit token (the value of `seccomp_data.arch`). The tokens
 * are the kernel's ABI: ELF machine number plus 64-bit and little-endian flags.
 */
import { binding } from './native';
import { SeccompError } from './errors';

const AUDIT_64BIT = 0x80000000;
const AUDIT_LE = 0x40000000;

export const ARCH_TOKENS = {
  x86_64: (62 | AUDIT_64BIT | AUDIT_LE) >>> 0,
  i386: (3 | AUDIT_LE) >>> 0,
  x32: (62 | AUDIT_LE) >>> 0,
  aarch64: (183 | AUDIT_64BIT | AUDIT_LE) >>> 0,
  arm: (40 | AUDIT_LE) >>> 0,
  riscv64: (243 | AUDIT_64BIT | AUDIT_LE) >>> 0,
  ppc64le: (21 | AUDIT_64BIT | AUDIT_LE) >>> 0,
  s390x: (22 | AUDIT_64BIT) >>> 0,
} as const;

export type ArchName = keyof typeof ARCH_TOKENS;

/** The byte order of an architecture (its programs and its seccomp_data), from its token. */
export function byteOrderOf(token: number): 'LE' | 'BE' {
  return (token & AUDIT_LE) !== 0 ? 'LE' : 'BE';
}

export function isArchName(name: string): name is ArchName {
  return Object.prototype.hasOwnProperty.call(ARCH_TOKENS, name);
}

export function archName(token: number): ArchName | undefined {
  for (const [name, value] of Object.entries(ARCH_TOKENS)) {
    if (value === token >>> 0) return name as ArchName;
  }
  return undefined;
}

/** The architecture this process runs on, as libseccomp sees it. */
export function nativeArch(): ArchName {
  const info = binding?.libraryInfo();
  const token = info?.nativeArch;
  if (token === undefined) {
    throw new SeccompError('ERR_SECCOMP_UNSUPPORTED', `the native architecture is unknown without libseccomp: ${info?.reason ?? 'the native addon is not available'}`,
      { reason: info?.reason });
  }
  const name = archName(token);
  if (name === undefined) {
    throw new SeccompError('ERR_SECCOMP_UNSUPPORTED', `unsupported native architecture (token 0x${token.toString(16)})`, { token });
  }
  return name;
}

/**
 * Node's names for architectures (`process.arch`), accepted wherever an architecture is
 * named (`--arch x64`, `exportBpf({ arch: process.arch })`). Node calls 64-bit PowerPC
 * `ppc64` and supports it on Linux only little-endian, which is ppc64le here.
 */
export const NODE_ARCH_NAMES = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i386', ppc64: 'ppc64le' } as const satisfies Record<string, ArchName>;

/** An architecture as a caller may name it: the kernel's (and libseccomp's) name, or Node's. */
export type ArchInput = ArchName | keyof typeof NODE_ARCH_NAMES;

/** Names other tools use (Debian, uname), suggested rather than accepted. */
const OTHER_NAMES: Record<string, ArchName> = {
  amd64: 'x86_64', 'x86-64': 'x86_64', x86: 'i386', i686: 'i386', armhf: 'arm', armel: 'arm', ppc64el: 'ppc64le', riscv: 'riscv64',
};

/** The kernel's name for `name`, whether given that way or as Node names it; undefined if neither. */
export function archFromName(name: string): ArchName | undefined {
  if (isArchName(name)) return name;
  return Object.hasOwn(NODE_ARCH_NAMES, name) ? NODE_ARCH_NAMES[name as keyof typeof NODE_ARCH_NAMES] : undefined;
}

export function requireArch(name: string): ArchName {
  const arch = typeof name === 'string' ? archFromName(name) : undefined;
  if (arch === undefined) {
    const suggestion = typeof name === 'string' ? OTHER_NAMES[name.toLowerCase()] ?? archFromName(name.toLowerCase()) : undefined;
    const known = Object.keys(ARCH_TOKENS).map((a) => {
      const alias = Object.entries(NODE_ARCH_NAMES).find(([, kernel]) => kernel === a)?.[0];
      return alias ? `${a} (${alias})` : a;
    });
    throw new SeccompError('ERR_SECCOMP_UNKNOWN_ARCH',
      `unknown architecture "${String(name)}"` + (suggestion ? `; did you mean "${suggestion}"?` : '') + `; known: ${known.join(', ')}`,
      { arch: name, ...(suggestion ? { suggestion } : {}) });
  }
  return arch;
}

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
  const token = binding?.libraryInfo().nativeArch;
  const name = token === undefined ? undefined : archName(token);
  if (name === undefined) {
    throw new SeccompError('ERR_SECCOMP_UNSUPPORTED', `unsupported native architecture (token ${token})`);
  }
  return name;
}

export function requireArch(name: string): ArchName {
  if (!isArchName(name)) {
    throw new SeccompError('ERR_SECCOMP_UNKNOWN_ARCH',
      `unknown architecture "${name}"; known: ${Object.keys(ARCH_TOKENS).join(', ')}`, { arch: name });
  }
  return name;
}

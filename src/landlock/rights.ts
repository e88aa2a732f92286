/**
 * Landlock's access rights and scopes (linux/landlock.h), the ABI that introduced each, and
 * seccomp-node's vocabulary over them (`read`, `write`, `execute`; `bind`, `connect`).
 */

/** File system rights, by the names used in messages and status(). */
export const FS_RIGHTS = {
  execute: 1 << 0,
  write_file: 1 << 1,
  read_file: 1 << 2,
  read_dir: 1 << 3,
  remove_dir: 1 << 4,
  remove_file: 1 << 5,
  make_char: 1 << 6,
  make_dir: 1 << 7,
  make_reg: 1 << 8,
  make_sock: 1 << 9,
  make_fifo: 1 << 10,
  make_block: 1 << 11,
  make_sym: 1 << 12,
  refer: 1 << 13,
  truncate: 1 << 14,
  ioctl_dev: 1 << 15,
} as const;

export const NET_RIGHTS = { bind_tcp: 1 << 0, connect_tcp: 1 << 1 } as const;

export const SCOPES = { abstract_unix_socket: 1 << 0, signal: 1 << 1 } as const;

export type FsRightName = keyof typeof FS_RIGHTS;
export type NetRightName = keyof typeof NET_RIGHTS;
export type ScopeName = keyof typeof SCOPES;

/** The Landlock ABI that introduced a right or a scope, and the Linux release that has it. */
export const SINCE: Readonly<Record<string, { abi: number; linux: string }>> = {
  fs: { abi: 1, linux: '5.13' },
  refer: { abi: 2, linux: '5.19' },
  truncate: { abi: 3, linux: '6.2' },
  net: { abi: 4, linux: '6.7' },
  ioctl_dev: { abi: 5, linux: '6.10' },
  scopes: { abi: 6, linux: '6.12' },
  tsync: { abi: 8, linux: '7.0' },
};

const mask = (names: readonly FsRightName[]): number => names.reduce((m, n) => m | FS_RIGHTS[n], 0);

/** Every file system right a kernel with this ABI knows. */
export function fsRightsOf(abi: number): number {
  if (abi < 1) return 0;
  let rights = FS_RIGHTS.refer - 1; // ABI 1: execute .. make_sym
  if (abi >= SINCE.refer.abi) rights |= FS_RIGHTS.refer;
  if (abi >= SINCE.truncate.abi) rights |= FS_RIGHTS.truncate;
  if (abi >= SINCE.ioctl_dev.abi) rights |= FS_RIGHTS.ioctl_dev;
  return rights;
}

export function netRightsOf(abi: number): number {
  return abi >= SINCE.net.abi ? NET_RIGHTS.bind_tcp | NET_RIGHTS.connect_tcp : 0;
}

export function scopesOf(abi: number): number {
  return abi >= SINCE.scopes.abi ? SCOPES.abstract_unix_socket | SCOPES.signal : 0;
}

/**
 * What `read`, `write` and `execute` grant. `write` includes reading (a directory one writes
 * to is read back) and everything that changes the tree beneath: creating, removing, renaming
 * in and out (refer), truncating, device ioctls. It never grants creating device nodes.
 * `execute` includes reading, which running a program also needs.
 */
export const ACCESS = {
  read: mask(['read_file', 'read_dir']),
  write: mask(['read_file', 'read_dir', 'write_file', 'remove_dir', 'remove_file', 'make_dir', 'make_reg', 'make_sock',
    'make_fifo', 'make_sym', 'refer', 'truncate', 'ioctl_dev']),
  execute: mask(['execute', 'read_file', 'read_dir']),
} as const;

export type FsAccessName = keyof typeof ACCESS;
export const FS_ACCESS_NAMES: readonly FsAccessName[] = ['read', 'write', 'execute'];

export const PORT_ACCESS = { bind: NET_RIGHTS.bind_tcp, connect: NET_RIGHTS.connect_tcp } as const;
export type PortAccessName = keyof typeof PORT_ACCESS;
export const PORT_ACCESS_NAMES: readonly PortAccessName[] = ['bind', 'connect'];

/** Rights that apply to a file that is not a directory (the kernel refuses the others on one). */
export const FILE_RIGHTS = mask(['execute', 'write_file', 'read_file', 'truncate', 'ioctl_dev']);

/**
 * The right handled to create a domain when nothing else is: a domain is what keeps the
 * process from ptracing, or opening /proc/<pid>/mem of, processes outside it. Creating
 * block device nodes needs CAP_MKNOD anyway, so denying it changes nothing for a daemon.
 */
export const ANCHOR_RIGHT = FS_RIGHTS.make_block;

function names<T extends Record<string, number>>(table: T, bits: number): (keyof T & string)[] {
  return (Object.keys(table) as (keyof T & string)[]).filter((name) => (bits & table[name]) !== 0);
}

export const fsRightNames = (bits: number): FsRightName[] => names(FS_RIGHTS, bits);
export const netRightNames = (bits: number): NetRightName[] => names(NET_RIGHTS, bits);
export const scopeNames = (bits: number): ScopeName[] => names(SCOPES, bits);

/** The vocabulary words whose rights are all in `bits` (for messages: "read, write"). */
export function accessWords(bits: number): FsAccessName[] {
  return FS_ACCESS_NAMES.filter((word) => (ACCESS[word] & bits) === ACCESS[word]);
}

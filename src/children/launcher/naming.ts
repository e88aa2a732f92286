/**
 * A supervised violation's name and the built-in groups that would allow it: the syscall
 * tables and the groups, loaded by whoever registers this with ./supervision (./index does,
 * for spawn, the testing helpers and learn; `seccomp-node run` registers it to be loaded only
 * when a violation comes, since most of its starts have none).
 */
import { nativeArch, type ArchName } from '../../arch';
import { groupsAllowing } from '../../allowing-groups';
import { syscallName } from '../../syscalls';

export function nameCall(arch: ArchName | null, nr: number, args: bigint[], pid: number): { syscall: string | null; groups: string[] } {
  const syscall = arch ? syscallName(nr, arch) ?? null : null;
  // the groups are the native architecture's
  return { syscall, groups: syscall && arch === nativeArch() ? groupsAllowing(syscall, args, { pid }) : [] };
}

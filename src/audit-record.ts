/**
 * The kernel's audit record of a seccomp kill (type 1326, "SECCOMP"), as /dev/kmsg gives
 * it: the one parser for it, used by the parent-side child report and the testing toolkit.
 */
import { archName } from './arch';
import { syscallName } from './syscalls';

export interface AuditHit { nr: number; arch: string | null; syscall: string | null }

/** Parses one /dev/kmsg record: a seccomp audit record (type 1326) of `pid`, with SIGSYS. */
export function parseSeccompKill(record: string, pid: number, notBefore = 0): AuditHit | undefined {
  const text = record.slice(record.indexOf(';') + 1);
  if (!text.includes('type=1326')) return undefined;
  // Untrusted fields (comm, exe) are hex-encoded by the kernel when they contain spaces, so
  // " pid=" and friends cannot be forged through them.
  const field = (name: string, pattern: string) => new RegExp(` ${name}=(${pattern})(?: |$)`).exec(text)?.[1];
  if (field('pid', '\\d+') !== String(pid) || field('sig', '\\d+') !== '31') return undefined;
  const stamp = /audit\((\d+)\.(\d+):/.exec(text);
  if (stamp && Number(stamp[1]) * 1000 + Number(stamp[2]) < notBefore) return undefined;
  const nr = Number(field('syscall', '\\d+'));
  if (!Number.isInteger(nr)) return undefined;
  const token = field('arch', '[0-9a-f]+');
  const arch = token ? archName(parseInt(token, 16)) ?? null : null;
  const syscall = arch ? syscallName(nr, arch) ?? null : null;
  return { nr, arch, syscall };
}

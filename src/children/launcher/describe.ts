/** How violation lines name a call: shared by the parent's report and `seccomp-node run`. */
import type { SupervisedViolation } from './supervision';

/** `socket (nr 41, arch x86_64)`: the call as the lines name it. */
export function callName(v: Pick<SupervisedViolation, 'syscall' | 'nr' | 'arch'>): string {
  return `${v.syscall ?? 'unknown'} (nr ${v.nr}, arch ${v.arch ?? 'unknown'})`;
}

/** `args 0x2 0x1 0x0 0x0 0x0 0x0; @net-client would allow it`: what a notification adds. */
export function callDetails(v: SupervisedViolation): string {
  const args = v.args.map((a) => `0x${a.toString(16)}`).join(' ');
  const groups = v.groups.length === 0 ? 'no built-in group allows it'
    : `${v.groups.join(', ')} would allow it`;
  return `args ${args}; ${groups}`;
}

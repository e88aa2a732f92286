/**
 * Real programs compiled by libseccomp through Filter, run in the emulator. Syscall numbers
 * and arch tokens are written out by hand so the expectations do not come from the code
 * under test.
 */
import { describe, expect, it } from 'vitest';
import { Filter, arg, arg64 } from '../../src/index';
import { decodeAction, runFilter, type SeccompData } from '../../src/bpf/emulator';
import { parseProgram } from '../../src/bpf/program';

const ALLOW = 0x7fff0000;
const KILL_PROCESS = 0x80000000;
const ERRNO = (n: number): number => 0x00050000 | n;
const TRAP = 0x00030000;
const LOG = 0x7ffc0000;

const ARCHES = {
  x86_64: {
    token: 0xc000003e,
    nr: { read: 0, write: 1, close: 3, lseek: 8, kill: 62, getpid: 39, ptrace: 101, getppid: 110 },
  },
  aarch64: {
    token: 0xc00000b7,
    nr: { read: 63, write: 64, close: 57, lseek: 62, kill: 129, getpid: 172, ptrace: 117, getppid: 173 },
  },
} as const;
const I386 = 0x40000003;

function policy(): Filter {
  return new Filter({ defaultAction: 'kill-process' })
    .allow('read')
    .allow('write', arg(0).eq(1))
    .errno('ptrace', 'EPERM')
    .allow('close', arg(0).eq(-100))
    .allow('lseek', arg64(1).eq(5))
    .trap('kill')
    .log('getppid');
}

describe('programs exported by Filter', () => {
  for (const archName of ['x86_64', 'aarch64'] as const) {
    const { token, nr } = ARCHES[archName];
    for (const optimize of [1, 2] as const) {
      describe(`${archName}, optimize ${optimize}`, () => {
        const program = parseProgram(policy().exportBpf({ arch: archName, optimize }));
        const call = (name: keyof typeof nr, ...args: bigint[]): number =>
          runFilter(program, { nr: nr[name], arch: token, args });

        it('allows read and fails ptrace with EPERM', () => {
          expect(call('read')).toBe(ALLOW);
          expect(call('ptrace')).toBe(ERRNO(1));
          expect(decodeAction(call('ptrace'))).toEqual({ action: 'errno', data: 1 });
        });

        it('allows write only to fd 1', () => {
          expect(call('write', 1n)).toBe(ALLOW);
          expect(call('write', 2n)).toBe(KILL_PROCESS);
          expect(call('write', 0n)).toBe(KILL_PROCESS);
        });

        it('compares a 32-bit int argument on its low word only', () => {
          expect(call('close', 0x00000000ffffff9cn)).toBe(ALLOW);
          expect(call('close', 0xffffffffffffff9cn)).toBe(ALLOW);
          expect(call('close', -100n)).toBe(ALLOW);
          expect(call('close', 0xffffff9dn)).toBe(KILL_PROCESS);
          expect(call('write', 0x1_00000001n)).toBe(ALLOW);
        });

        it('compares a 64-bit argument on both words', () => {
          expect(call('lseek', 0n, 5n)).toBe(ALLOW);
          expect(call('lseek', 0n, 0x1_00000005n)).toBe(KILL_PROCESS);
          expect(call('lseek', 5n, 0n)).toBe(KILL_PROCESS); // the condition is on args[1], not args[0]
        });

        it('traps, logs, and kills everything else', () => {
          expect(call('kill')).toBe(TRAP);
          expect(call('getppid')).toBe(LOG);
          expect(call('getpid')).toBe(KILL_PROCESS);
        });

        it('kills calls made under another architecture', () => {
          const other = archName === 'x86_64' ? ARCHES.aarch64.token : ARCHES.x86_64.token;
          for (const arch of [other, I386, 0]) {
            expect(runFilter(program, { nr: nr.read, arch })).toBe(KILL_PROCESS);
          }
        });

        it('gives every syscall number 0..511 the verdict the policy says (zero args)', () => {
          const expected = new Map<number, number>([
            [nr.read, ALLOW], [nr.ptrace, ERRNO(1)], [nr.kill, TRAP], [nr.getppid, LOG],
          ]);
          for (let n = 0; n < 512; n++) {
            expect(runFilter(program, { nr: n, arch: token }), `nr ${n}`).toBe(expected.get(n) ?? KILL_PROCESS);
          }
        });
      });
    }

    it(`${archName}: the linear and tree layouts differ but agree on every call`, () => {
      const linear = policy().exportBpf({ arch: archName, optimize: 1 });
      const tree = policy().exportBpf({ arch: archName, optimize: 2 });
      expect(linear.equals(tree)).toBe(false);
      const argsSeen = [[], [1n], [2n, 5n], [-100n, 5n], [0n, 0x1_00000005n]];
      for (let n = -2; n < 600; n++) {
        for (const args of argsSeen) {
          const data: SeccompData = { nr: n, arch: token, args };
          expect(runFilter(linear, data), `nr ${n} args ${args}`).toBe(runFilter(tree, data));
        }
      }
    });
  }

  it('x86_64: refuses x32 system calls made through the x86_64 entry point', () => {
    const program = policy().exportBpf({ arch: 'x86_64' });
    expect(runFilter(program, { nr: 0x40000000 | ARCHES.x86_64.nr.read, arch: ARCHES.x86_64.token })).toBe(KILL_PROCESS);
  });

  it('uses the default action for unlisted calls', () => {
    const program = new Filter({ defaultAction: { errno: 'ENOSYS' } }).allow('read').exportBpf({ arch: 'x86_64' });
    expect(runFilter(program, { nr: ARCHES.x86_64.nr.getpid, arch: ARCHES.x86_64.token })).toBe(ERRNO(38));
    expect(runFilter(program, { nr: ARCHES.x86_64.nr.read, arch: ARCHES.x86_64.token })).toBe(ALLOW);
  });
});

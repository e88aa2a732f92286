'use strict';
/**
 * A classic-BPF interpreter for seccomp programs, used to explain the timings: for one
 * call (nr, arch, args) it returns the action the program reaches, how many instructions
 * it executed on the way, and whether that path read anything beyond nr and arch. A path
 * that reads only nr/arch and ends in ALLOW is what the kernel's seccomp action cache
 * (Linux 5.11+) precomputes: such calls skip the filter entirely.
 *
 * Only the instructions seccomp accepts are implemented; anything else throws.
 */

const SECCOMP_RET_ACTION_FULL = 0xffff0000;
const ACTIONS = new Map([
  [0x80000000, 'kill-process'], [0x00000000, 'kill-thread'], [0x00030000, 'trap'], [0x00050000, 'errno'],
  [0x7fc00000, 'user-notif'], [0x7ff00000, 'trace'], [0x7ffc0000, 'log'], [0x7fff0000, 'allow'],
]);

/** seccomp_data for a call: nr, arch, instruction_pointer, args[6] (64-bit each). */
function seccompData(nr, arch, args = []) {
  const data = Buffer.alloc(64);
  data.writeUInt32LE(nr >>> 0, 0);
  data.writeUInt32LE(arch >>> 0, 4);
  data.writeBigUInt64LE(0n, 8);
  for (let i = 0; i < 6; i++) data.writeBigUInt64LE(BigInt.asUintN(64, BigInt(args[i] ?? 0)), 16 + 8 * i);
  return data;
}

/**
 * Runs `program` (a Buffer of struct sock_filter) on one call.
 * @returns {{ action: string, value: number, data: number, executed: number, readsArgs: boolean }}
 */
function runBpf(program, { nr, arch, args }) {
  const data = seccompData(nr, arch, args);
  const n = program.length / 8;
  const mem = new Uint32Array(16);
  let A = 0;
  let X = 0;
  let pc = 0;
  let executed = 0;
  let readsArgs = false;
  const jump = (cond, jt, jf) => { pc += 1 + (cond ? jt : jf); };
  for (;;) {
    if (pc < 0 || pc >= n) throw new Error(`BPF: fell off the program at ${pc}`);
    const off = pc * 8;
    const code = program.readUInt16LE(off);
    const jt = program[off + 2];
    const jf = program[off + 3];
    const k = program.readUInt32LE(off + 4);
    executed++;
    if (executed > 100000) throw new Error('BPF: runaway program');
    switch (code) {
      case 0x20: // LD W ABS
        if (k >= 8) readsArgs = true;
        A = data.readUInt32LE(k); pc++; break;
      case 0x00: A = k; pc++; break; // LD IMM
      case 0x01: X = k; pc++; break; // LDX IMM
      case 0x60: A = mem[k]; pc++; break; // LD MEM
      case 0x61: X = mem[k]; pc++; break; // LDX MEM
      case 0x02: mem[k] = A; pc++; break; // ST
      case 0x03: mem[k] = X; pc++; break; // STX
      case 0x04: A = (A + k) >>> 0; pc++; break; // ALU ADD K
      case 0x14: A = (A - k) >>> 0; pc++; break; // ALU SUB K
      case 0x54: A = (A & k) >>> 0; pc++; break; // ALU AND K
      case 0x44: A = (A | k) >>> 0; pc++; break; // ALU OR K
      case 0xa4: A = (A ^ k) >>> 0; pc++; break; // ALU XOR K
      case 0x64: A = (A << k) >>> 0; pc++; break; // ALU LSH K
      case 0x74: A = A >>> k; pc++; break; // ALU RSH K
      case 0x5c: A = (A & X) >>> 0; pc++; break; // ALU AND X
      case 0x4c: A = (A | X) >>> 0; pc++; break; // ALU OR X
      case 0x84: A = (-A) >>> 0; pc++; break; // ALU NEG
      case 0x07: X = A; pc++; break; // TAX
      case 0x87: A = X; pc++; break; // TXA
      case 0x05: pc += 1 + k; break; // JA
      case 0x15: jump(A === k, jt, jf); break; // JEQ K
      case 0x25: jump(A > k, jt, jf); break; // JGT K
      case 0x35: jump(A >= k, jt, jf); break; // JGE K
      case 0x45: jump((A & k) !== 0, jt, jf); break; // JSET K
      case 0x1d: jump(A === X, jt, jf); break; // JEQ X
      case 0x2d: jump(A > X, jt, jf); break; // JGT X
      case 0x3d: jump(A >= X, jt, jf); break; // JGE X
      case 0x4d: jump((A & X) !== 0, jt, jf); break; // JSET X
      case 0x06: return finish(k, executed, readsArgs); // RET K
      case 0x16: return finish(A, executed, readsArgs); // RET A
      default: throw new Error(`BPF: unsupported opcode 0x${code.toString(16)} at ${pc}`);
    }
  }
}

function finish(value, executed, readsArgs) {
  const full = (value & SECCOMP_RET_ACTION_FULL) >>> 0;
  return { action: ACTIONS.get(full) ?? `0x${full.toString(16)}`, value: value >>> 0, data: value & 0xffff, executed, readsArgs };
}

module.exports = { runBpf, seccompData };

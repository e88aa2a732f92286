/**
 * Sites: the instructions of a compiled program that compare with a value known only when
 * the program is loaded (a pid, an address), so that a program can be compiled once with
 * stand-in values and filled in per load. The launcher's child templates
 * (src/children/launcher/template.ts) and the default profile's program built into the
 * package (src/default-program.ts) both use this; each checks, when it builds its template,
 * that a third set of stand-ins filled in gives that set's compile byte for byte.
 *
 * Values are given by kind: `values[kind]` is what the sites of that kind hold.
 */
import { endianness } from 'node:os';
import { SeccompError } from '../errors';
import { OP, type Instruction } from './program';

export interface Site { index: number; kind: number }

/** Whether the instruction compares (or masks) the accumulator with its constant. */
function comparesConstant(code: number): boolean {
  const jump = code & 0x07; // BPF_CLASS
  const source = code & 0x08; // BPF_SRC: K is 0
  if (source !== 0) return false;
  return (jump === 0x05 && code !== OP.JA) || jump === 0x04; // BPF_JMP (not JA), BPF_ALU
}

export function shapeChanged(): SeccompError {
  return new SeccompError('ERR_SECCOMP_NATIVE',
    'the compiled program\'s shape depends on the values filled in at load ($pid or the launcher\'s addresses), ' +
    'so it cannot be compiled once and filled in. This is a bug in seccomp-node; please report it with the policy');
}

/** The sites where `a` (compiled with `va`) and `b` (with `vb`) differ; throws unless that is all they differ in. */
export function findSites(a: readonly Instruction[], va: readonly number[], b: readonly Instruction[], vb: readonly number[]): Site[] {
  if (a.length !== b.length) throw shapeChanged();
  const sites: Site[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.code !== y.code || x.jt !== y.jt || x.jf !== y.jf) throw shapeChanged();
    if (x.k === y.k) continue;
    const kind = va.findIndex((v, j) => v === x.k && vb[j] === y.k);
    if (x.code !== OP.JEQ_K || kind < 0) throw shapeChanged();
    sites.push({ index: i, kind });
  }
  return sites;
}

/** Whether every value is distinct from every constant the program compares with outside the sites. */
export function fresh(program: readonly Instruction[], sites: readonly Site[], values: readonly number[]): boolean {
  const isSite = new Set(sites.map((s) => s.index));
  return program.every((insn, i) => isSite.has(i) || !comparesConstant(insn.code) || !values.includes(insn.k));
}

/** `program` (bytes, this machine's order) with its sites filled with `values`. */
export function fillSites(program: Uint8Array, sites: readonly Site[], values: readonly number[]): Buffer {
  const out = Buffer.from(program);
  const le = endianness() === 'LE';
  for (const { index, kind } of sites) {
    if (le) out.writeUInt32LE(values[kind] >>> 0, index * 8 + 4); else out.writeUInt32BE(values[kind] >>> 0, index * 8 + 4);
  }
  return out;
}

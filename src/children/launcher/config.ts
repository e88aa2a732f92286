/**
 * The launch configuration, as native/launcher_protocol.h lays it out: the programs (with
 * their sites and pid conflicts) and the Landlock ruleset, in this machine's byte order.
 */
import { endianness } from 'node:os';
import type { NativeLandlockSpec } from '../../native';
import type { ProgramTemplate } from './template';

const MAGIC = 0x314c4e53;
const VERSION = 1;
export const LAUNCHER_NOTIFY = 1 << 0;
export const LAUNCHER_DEATH_SIGNAL = 1 << 1;
const PROGRAM_LISTENER = 1 << 0;

export interface LaunchConfig {
  notify: boolean;
  /** Signal for PR_SET_PDEATHSIG (0: none). */
  deathSignal: number;
  parentPid: number;
  /** Loaded in this order; `listener` on the notifying one. */
  programs: { template: ProgramTemplate; listener: boolean }[];
  landlock?: NativeLandlockSpec;
}

class Writer {
  private readonly chunks: Buffer[] = [];
  private readonly le = endianness() === 'LE';

  u32(value: number): void {
    const b = Buffer.alloc(4);
    if (this.le) b.writeUInt32LE(value >>> 0); else b.writeUInt32BE(value >>> 0);
    this.chunks.push(b);
  }

  u64(value: number | bigint): void {
    const b = Buffer.alloc(8);
    const v = BigInt.asUintN(64, BigInt(value));
    if (this.le) b.writeBigUInt64LE(v); else b.writeBigUInt64BE(v);
    this.chunks.push(b);
  }

  bytes(value: Buffer): void {
    this.chunks.push(value);
  }

  done(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export function encodeConfig(config: LaunchConfig): Buffer {
  const w = new Writer();
  w.u32(MAGIC);
  w.u32(VERSION);
  w.u32((config.notify ? LAUNCHER_NOTIFY : 0) | (config.deathSignal ? LAUNCHER_DEATH_SIGNAL : 0));
  w.u32(config.deathSignal);
  w.u32(config.parentPid);
  w.u32(config.programs.length);
  for (const { template, listener } of config.programs) {
    w.u32(listener ? PROGRAM_LISTENER : 0);
    w.u32(template.bytes.length / 8);
    w.u32(template.sites.length);
    w.u32(template.conflicts.length);
    w.bytes(template.bytes);
    for (const site of template.sites) {
      w.u32(site.index);
      w.u32(site.kind);
    }
    for (const pid of template.conflicts) w.u32(pid);
  }
  const ll = config.landlock;
  w.u32(ll ? 1 : 0);
  if (ll) {
    w.u64(ll.handledFs);
    w.u64(ll.handledNet);
    w.u64(ll.scoped);
    w.u32(ll.paths.length);
    w.u32(ll.ports.length);
    for (const { path, access } of ll.paths) {
      const bytes = Buffer.from(path);
      w.u64(access);
      w.u32(bytes.length);
      w.bytes(bytes);
    }
    for (const { port, access } of ll.ports) {
      w.u64(port);
      w.u64(access);
    }
  }
  return w.done();
}

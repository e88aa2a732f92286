// Types for policies.js, for the TypeScript tests that share the generator.
import type { Policy } from '../../src/policy';
import type { ArchName } from '../../src/arch';

export interface Random {
  next(): number;
  int(n: number): number;
  pick<T>(list: readonly T[]): T;
  chance(p: number): boolean;
  u32(): bigint;
  u64(): bigint;
}
export function prng(seed: number): Random;
export interface PolicyProfile {
  syscalls?: Record<string, string>;
  actions?: Policy['defaultAction'][];
  defaults?: Policy['defaultAction'][];
  arch?: ArchName;
}
export function randomPolicy(seed: number, size?: number, profile?: PolicyProfile): {
  policy: Policy;
  options: { arch: ArchName; report: boolean; optimize: 1 | 2 };
};
export function randomArgs(r: Random, policy: Policy): bigint[];
export const SYSCALLS: Record<string, string>;
export const HARMLESS: Record<string, string>;

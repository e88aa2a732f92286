/**
 * What a build artefact made from the policy files depends on besides the files: the
 * architecture, and the constant and errno values the addon was built with. Data in lib/
 * made at build time (the parsed built-in policies, the default program) records it and is
 * used only where it is the same; anywhere else (a package built on another machine) the
 * package does the work at run time instead.
 */
import * as fs from 'node:fs';
import { nativeArch } from './arch';
import { binding } from './native';

export interface Fingerprint { arch: string; errnos: Record<string, number>; constants: Record<string, number> }

/** This process's fingerprint, or undefined without the addon. */
export function currentFingerprint(): Fingerprint | undefined {
  if (!binding) return undefined;
  let arch: string;
  try { arch = nativeArch(); } catch { return undefined; }
  return { arch, errnos: binding.errnos, constants: binding.constants };
}

function sameTable(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (!Object.hasOwn(b, key) || a[key] !== b[key]) return false;
  return true;
}

export function sameFingerprint(a: Fingerprint, b: Fingerprint): boolean {
  return a.arch === b.arch && sameTable(a.errnos, b.errnos) && sameTable(a.constants, b.constants);
}

/**
 * The build's data in `file` when it is of `format` and was made for `fingerprint`, else
 * undefined: missing, unreadable, of another format or made for another platform.
 */
export function readBuildData<T extends { format: number; fingerprint: Fingerprint }>(file: string, format: number,
  fingerprint: Fingerprint | undefined): T | undefined {
  if (!fingerprint) return undefined;
  let data: T;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
  return data?.format === format && data.fingerprint && sameFingerprint(data.fingerprint, fingerprint) ? data : undefined;
}

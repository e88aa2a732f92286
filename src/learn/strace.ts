/**
 * strace as the observer for learn mode: it follows every thread and child process (-f),
 * prints every argument as a number (`-e raw=...`: that is all a seccomp rule can compare)
 * except for the calls that name paths and socket addresses, which it decodes for the
 * Landlock proposal (src/learn/landlock.ts), and answers clone3 and io_uring_setup with ENOSYS
 * while it watches (`-e inject=...`), as the learned policy will, so that what it records
 * is the path the program takes under the policy (glibc then creates threads with clone,
 * whose flags can be checked; libuv uses epoll instead of io_uring rings, whose operations
 * seccomp cannot see).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeccompError } from '../errors';
import { DECODED_CALLS, decodedNumber, splitDecodedArgs } from './landlock';

/** Calls answered with ENOSYS while learning, and in the learned policy. */
export const INJECTED_ENOSYS = ['clone3', 'io_uring_setup'] as const;

export const STRACE_INSTALL_HINT =
  'install it with your package manager: apt-get install -y strace (Debian, Ubuntu), dnf install strace (Fedora, RHEL), ' +
  'apk add strace (Alpine)';

export interface StraceInfo { path: string; version: string }

/** Finds strace (on PATH, or `explicit`) and its version; throws with how to install it. */
export function findStrace(explicit?: string, searchPath = process.env.PATH ?? '/usr/bin:/bin'): StraceInfo {
  const candidates = explicit ? [explicit] : searchPath.split(':').filter(Boolean).map((dir) => path.join(dir, 'strace'));
  for (const candidate of candidates) {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
    } catch {
      continue;
    }
    const r = spawnSync(candidate, ['-V'], { encoding: 'utf8' });
    const m = /version\s+(\d+(?:\.\d+)*)/.exec(`${r.stdout}`);
    if (r.status === 0 && m) {
      const [major, minor] = m[1].split('.').map(Number);
      // -e inject (4.15) and clone3 by name (5.3)
      if (major < 5 || (major === 5 && minor < 3)) {
        throw new SeccompError('ERR_SECCOMP_LEARN_FAILED',
          `learn needs strace 5.3 or later; ${candidate} is ${m[1]}. Upgrade it: ${STRACE_INSTALL_HINT}`, { strace: candidate, version: m[1] });
      }
      return { path: candidate, version: m[1] };
    }
  }
  throw new SeccompError('ERR_SECCOMP_LEARN_FAILED',
    `learn needs strace, which ${explicit ? `is not at ${explicit}` : 'is not on PATH'}; ${STRACE_INSTALL_HINT}`,
    { tool: 'strace', install: 'apt-get install -y strace' });
}

/**
 * The strace options learn uses, before `-o FILE` and the command or `-p PID`. Attaching
 * keeps strace's "Process N attached" message (on stderr), which tells when it has begun.
 */
export function straceOptions(attach = false): string[] {
  // Raw numbers for every call but those naming paths and addresses (for the Landlock proposal).
  return ['-f', ...(attach ? [] : ['-qq']), '-s', '4096', '-e', 'trace=all', '-e', 'signal=none', '-e', `raw=!${DECODED_CALLS.join(',')}`,
    ...INJECTED_ENOSYS.flatMap((name) => ['-e', `inject=${name}:error=ENOSYS`])];
}

/** One system call as strace printed it. */
export interface TracedCall {
  pid: number;
  /** The name strace printed (`syscall_0x1b6` for numbers it does not know). */
  name: string;
  /** Arguments that are numbers; undefined where strace printed something else. */
  args: (bigint | undefined)[];
  /** strace answered it itself (-e inject). */
  injected: boolean;
  /** For DECODED_CALLS: the arguments as strace printed them, and whether the call succeeded. */
  decoded?: { args: string[]; ok: boolean; inProgress: boolean };
}

export interface ParsedTrace {
  calls: TracedCall[];
  /** Threads and processes seen. */
  pids: Set<number>;
  /** Lines that were neither calls nor known strace notes. */
  unparsed: string[];
  /** Processes that switched to another ABI (32-bit, x32): their calls are not learned. */
  personalities: string[];
}

const CALL = /^([a-z_][a-z0-9_]*)\((.*)$/;

const NUMBER = /^(?:0x[0-9a-f]+|-?\d+)$/i;

function parseArgs(text: string): (bigint | undefined)[] {
  // raw=all prints numbers separated by ", "; anything else (a note such as
  // "<... resuming interrupted read ...>") is not a number and is kept as undefined.
  const end = text.search(/\)\s+=|\s*<unfinished \.\.\.>|\)\s*$/);
  const inner = (end >= 0 ? text.slice(0, end) : text).trim();
  if (!inner) return [];
  return inner.split(',').map((part) => {
    const p = part.trim();
    return NUMBER.test(p) ? BigInt.asUintN(64, BigInt(p)) : undefined;
  });
}

/** A decoded call: its arguments as printed, as numbers where they are (flags by name too), and its result. */
function parseDecoded(text: string): { numbers: (bigint | undefined)[]; call: NonNullable<TracedCall['decoded']> } {
  // A call another thread interrupted ends in "<unfinished ...>"; its result comes with "resumed".
  const { args, rest } = splitDecodedArgs(text.replace(/\s*<unfinished \.\.\.>\s*$/, ''));
  return { numbers: args.map(decodedNumber), call: { args, ...decodedResult(rest) } };
}

/** Whether the call succeeded (or, for a non-blocking connect, is under way), from " = 3" or " = -1 EINPROGRESS ...". */
function decodedResult(rest: string): { ok: boolean; inProgress: boolean } {
  const result = /\)?\s*=\s*(-?\d+|\?)(?:\s+(E[A-Z0-9]+))?/.exec(rest);
  return { ok: result !== null && result[1] !== '?' && Number(result[1]) >= 0, inProgress: result?.[2] === 'EINPROGRESS' };
}

/** Reads strace output written with the options of {@link straceOptions} (`-f`, so each line starts with a pid). */
export function parseStrace(text: string): ParsedTrace {
  const trace: ParsedTrace = { calls: [], pids: new Set(), unparsed: [], personalities: [] };
  // A call interrupted by another thread's output is printed in two parts; its result
  // (and whether strace injected it) is on the second, "<... NAME resumed>".
  const pending = new Map<number, TracedCall>();
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (!line) continue;
    const m = /^(\d+)\s+(.*)$/.exec(line);
    const pid = m ? Number(m[1]) : 0;
    const rest = m ? m[2] : line;
    const resumed = /^<\.\.\. ([a-z_][a-z0-9_]*) resumed>/.exec(rest);
    if (resumed) {
      const call = pending.get(pid);
      if (call && call.name === resumed[1] && /\(INJECTED\)\s*$/.test(rest)) call.injected = true;
      if (call?.decoded && call.name === resumed[1]) Object.assign(call.decoded, decodedResult(rest));
      pending.delete(pid);
      continue;
    }
    if (rest.startsWith('+++') || rest.startsWith('---')) continue;
    if (/^\[ Process PID=\d+ runs in .* mode\. \]$/.test(rest)) {
      trace.personalities.push(rest);
      continue;
    }
    const call = CALL.exec(rest);
    if (!call) {
      if (!/^strace: /.test(rest)) trace.unparsed.push(line);
      continue;
    }
    if (pid) trace.pids.add(pid);
    const decoded = (DECODED_CALLS as readonly string[]).includes(call[1]) ? parseDecoded(call[2]) : undefined;
    const traced: TracedCall = { pid, name: call[1], args: decoded ? decoded.numbers : parseArgs(call[2]),
      injected: /\(INJECTED\)\s*$/.test(rest), ...(decoded ? { decoded: decoded.call } : {}) };
    trace.calls.push(traced);
    if (/<unfinished \.\.\.>\s*$/.test(rest)) pending.set(pid, traced);
  }
  return trace;
}

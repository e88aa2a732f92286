/**
 * Loads the compiled addon (a prebuild from prebuilds/ or build/Release, chosen as
 * node-gyp-build would: ./addon-path) and describes its functions. Off Linux, or when the addon cannot load,
 * `binding` is undefined and `loadError` says why; nothing here ever throws at import.
 */
import * as path from 'node:path';
import { addonPath } from './addon-path';
import type * as LoadHints from './load-hints';

export interface NativeCondition {
  arg: number;
  op: number;
  a: bigint;
  b: bigint;
}

export interface NativeRule {
  syscall: number;
  action: number;
  conditions: NativeCondition[];
}

export interface NativeFilterSpec {
  arch: number;
  defaultAction: number;
  badArchAction: number;
  optimize: number;
  report: boolean;
  /** Synchronise all threads (TSYNC) when loaded; false only right before execve. */
  tsync: boolean;
  /** With `report`: the native syscall names by number, for the violation line. */
  syscallNames?: string[];
  rules: NativeRule[];
}

/**
 * A Landlock ruleset as the native layer applies it, every decision taken: plain data, so
 * that it can cross a pipe to a launcher. Rights are the kernel's bitmasks.
 */
export interface NativeLandlockSpec {
  handledFs: number;
  handledNet: number;
  scoped: number;
  /** Each opened with O_PATH by the process that applies the spec (so /proc/self is its own). */
  paths: { path: string; access: number }[];
  ports: { port: number; access: number }[];
  /** The calling thread only (right before execve), TSYNC (ABI 8+), or every thread by signal. */
  threads: 'calling' | 'tsync' | 'every';
  /** 'every': how long threads have to answer before the operation is abandoned, unapplied. */
  timeoutMs: number;
}

export interface LibraryInfo {
  available: boolean;
  reason?: string;
  version?: string;
  apiLevel?: number;
  nativeArch?: number;
}

export interface Binding {
  buildFilter(spec: NativeFilterSpec, mode: 'bpf'): Buffer;
  buildFilter(spec: NativeFilterSpec, mode: 'pfc'): string;
  /**
   * Loads exactly these bytes (after no_new_privs): only ever a program that was verified.
   * `tsync`: every thread; `report`: install the SIGSYS reporter first. `syscallNames` (native,
   * a line per number) are what the report prints, and `syscallHints` (same numbering) the line
   * it adds: which groups would allow it.
   */
  loadProgram(program: Buffer, options: { tsync: boolean; report: boolean; syscallNames?: string; syscallHints?: string }): void;
  libraryInfo(): LibraryInfo;
  resolveSyscall(name: string, arch?: number): number;
  syscallNames(arch: number, max: number): (string | null)[];
  prepareExec(path: string, argv: string[], env: string[], inheritFds: number[]): bigint;
  execPrepared(): never;
  /** Makes glibc read its overcommit setting now (a heap shrinks); true when a heap did. */
  primeLibc(): boolean;
  /** Starts the runtime's own lazy probes (abseil's CPU count and frequency in Node 22+) on a thread of their own. */
  beginPrimeRuntime(): void;
  /** Returns once those probes have run (joining that thread, or running them); false when the runtime has none. */
  primeRuntime(): boolean;
  /** prctl(PR_SET_PTRACER, pid): let `pid` ptrace this process (learn mode's strace). */
  allowTracer(pid: number): void;
  /** The kernel's Landlock ABI (0 with the errno name in `code` when there is none). */
  landlockAbi(): { abi: number; errata?: number; code?: string };
  /** Creates the ruleset and restricts the threads `spec.threads` names; see NativeLandlockSpec. */
  applyLandlock(spec: NativeLandlockSpec): { threads: number; ioWorkers: number };
  /**
   * A SOCK_SEQPACKET socketpair holding `config` for the launcher: [parent end, child end],
   * both close-on-exec; the parent end non-blocking. See native/supervisor.cc.
   */
  launcherChannel(config: Buffer): [number, number];
  /** Hands the parent end of a channel to the supervisor thread, which takes ownership; returns the watch's id. */
  supervise(channel: number, options: { mode: 'kill' | 'record'; readProc: boolean }): number;
  /** Once per environment: `listener(id)` is called (on this thread) when watch `id` has something to drain. */
  supervisionListener(listener: (id: number) => void): void;
  supervisionEvents(id: number): { events: NativeSupervisionEvent[]; ended: boolean };
  /** Record mode: 64 bytes per call (u32 pid, i32 nr, u32 arch, u32 flags, u64 args[6]). */
  supervisionRecords(id: number): { records: Buffer; events: NativeSupervisionEvent[]; ended: boolean };
  releaseSupervision(id: number): void;
  /** Whether the kernel has seccomp user notification (and pidfds), and CONTINUE. */
  notifySupport(): { notify: boolean; continue: boolean; reason?: string };
  /** Whether the calling thread is the process's first (the one that lives as long as the process). */
  onMainThread(): boolean;
  /** Ends this process by `signal`, without a core dump. */
  exitBySignal(signal: number): never;
  /** Frozen when the addon loads (below): the package and its users read the same tables. */
  constants: Readonly<Record<string, number>>;
  errnos: Readonly<Record<string, number>>;
}

/** What the supervisor thread reports about a launched child (native/supervisor.cc). */
export type NativeSupervisionEvent =
  | { kind: 'handoff'; seq: number; pid: number }
  | {
    kind: 'violation'; seq: number; thread: number; pid: number; nr: number; arch: number; args: bigint[];
    signal: 'SIGSYS' | 'SIGKILL' | null; outcome: 'killed' | 'gone' | 'invisible' | 'signal-failed'; error?: string;
  }
  | { kind: 'error'; seq: number; pid: number; stage: number; errno: string; message: string; detail: number; said: boolean; text: string }
  | { kind: 'end'; seq: number };

const packageRoot = path.resolve(__dirname, '..');

function load(): { binding?: Binding; bindingPath?: string; loadError?: string } {
  if (process.platform !== 'linux') {
    return { loadError: `seccomp is a Linux facility; this is ${process.platform}` };
  }
  try {
    const bindingPath = addonPath(packageRoot);
    const binding = require(bindingPath) as Binding;
    // The package exports these tables as they are (src/index.ts): frozen here, where they
    // come from, rather than copied (a copy of some 300 names cost every start 0.35 ms).
    Object.freeze(binding.constants);
    Object.freeze(binding.errnos);
    return { binding, bindingPath };
  } catch (error) {
    const message = (error as Error).message;
    // The hints load only when they are needed: the addon loads on every start.
    const { addonLoadHint } = require('./load-hints') as typeof LoadHints;
    return { loadError: `the native addon could not be loaded (${message.split('\n')[0]}): ${addonLoadHint(message)}` };
  }
}

const loaded = load();

/**
 * The addon's value of a kernel constant as a 64-bit register value, or `fallback` (the
 * x86_64 and arm64 value) where the addon is unavailable or does not export it.
 */
export function nativeConstant(name: string, fallback: number): bigint {
  return BigInt.asUintN(64, BigInt(loaded.binding?.constants[name] ?? fallback));
}

/** The addon, or undefined where it is unavailable. */
export const binding: Binding | undefined = loaded.binding;
/** Path of the .node file that was loaded (a prebuild or build/Release). */
export const bindingPath: string | undefined = loaded.bindingPath;
/** Why the addon is unavailable, when it is. */
export const loadError: string | undefined = loaded.loadError;

/** The launcher's file name (native/launcher.c): the build puts it beside the addon. */
export const LAUNCHER_NAME = 'seccomp-node-launcher';
/** Where the launcher is when the addon loaded (it may still be missing: see children/launcher/binary). */
export const launcherBesideAddon: string | undefined = loaded.bindingPath && path.join(path.dirname(loaded.bindingPath), LAUNCHER_NAME);

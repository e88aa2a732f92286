/**
 * A launched child as this process sees it: what the launcher said (it handed the listener
 * over, or could not start the program) and, for a supervised child, every call it made
 * outside its policy, from the supervisor thread (native/supervisor.cc).
 */
import { endianness } from 'node:os';
import { archName, type ArchName } from '../../arch';
import { SeccompError, type SeccompErrorCode } from '../../errors';
import { binding, type NativeSupervisionEvent } from '../../native';

/** One call outside the child's policy, as the supervisor read it from the notification. */
export interface SupervisedViolation {
  /** The process that made the call (the child, or a process it started) and the thread. */
  pid: number;
  thread: number;
  /** The call's name on its architecture; null for a number no table names. */
  syscall: string | null;
  nr: number;
  /** 'x86_64', 'x86' (an i386 call), ...; null for an architecture seccomp-node does not know. */
  arch: string | null;
  /** The six argument registers. */
  args: bigint[];
  /** The signal the supervisor ended the process with: SIGKILL when it catches or ignores SIGSYS. */
  signal: 'SIGSYS' | 'SIGKILL' | null;
  /**
   * 'killed'; 'gone' (the caller had ended before it could be signalled); 'invisible' (its
   * pid is in another namespace: the call failed with ENOSYS); 'signal-failed'.
   */
  outcome: 'killed' | 'gone' | 'invisible' | 'signal-failed';
  /** The built-in groups whose rules would allow this call with these arguments. */
  groups: string[];
}

/** Why the launcher did not start the program. */
export interface LaunchFailure {
  stage: string;
  errno: string;
  message: string;
  /** The Landlock rule's path, for a failure on one. */
  path?: string;
  /** The launcher wrote the reason on the program's stderr itself (before any filter was in force). */
  said: boolean;
}

/** One call recorded for learn: the supervisor let it run (record mode). */
export interface RecordedCall { pid: number; nr: number; arch: number; args: bigint[] }

const STAGES = ['', 'config', 'death-signal', 'pidfd', 'image', 'pid-conflict', 'landlock-ruleset', 'landlock-path', 'landlock-port',
  'landlock-restrict', 'no-new-privs', 'load', 'handoff', 'exec'];

type CallNamer = (arch: ArchName | null, nr: number, args: bigint[], pid: number) => { syscall: string | null; groups: string[] };
let namer: CallNamer | undefined;

/**
 * Who names violations (./naming's nameCall): registered by ./index, and by `seccomp-node
 * run` to be loaded only when a violation comes, so that a start does not load the syscall
 * tables and the groups. Unregistered, a violation has no name (syscall null, no groups).
 */
export function setCallNamer(n: CallNamer): void {
  namer = n;
}

function violation(e: Extract<NativeSupervisionEvent, { kind: 'violation' }>): SupervisedViolation {
  const arch = archName(e.arch >>> 0) ?? null;
  const { syscall, groups } = namer ? namer(arch, e.nr, e.args, e.pid) : { syscall: null, groups: [] };
  return { pid: e.pid, thread: e.thread, syscall, nr: e.nr, arch, args: e.args, signal: e.signal, outcome: e.outcome, groups };
}

function failure(e: Extract<NativeSupervisionEvent, { kind: 'error' }>): LaunchFailure {
  return { stage: STAGES[e.stage] ?? `stage ${e.stage}`, errno: e.errno, message: e.message, said: e.said, ...(e.text ? { path: e.text } : {}) };
}

/** A launch failure as the error a caller that waits for the program throws. */
export function launchFailureError(command: string, f: LaunchFailure): SeccompError {
  const code: SeccompErrorCode = f.stage === 'exec' ? 'ERR_SECCOMP_EXEC_FAILED'
    : f.stage.startsWith('landlock') ? 'ERR_SECCOMP_LANDLOCK_FAILED'
      : f.stage === 'load' || f.stage === 'no-new-privs' ? 'ERR_SECCOMP_LOAD_FAILED' : 'ERR_SECCOMP_UNSUPPORTED';
  return new SeccompError(code, `cannot start ${command} under its policy: ${f.stage}${f.path ? ` (${f.path})` : ''}: ${f.errno} (${f.message})`,
    { stage: f.stage, errno: f.errno, ...(f.path ? { path: f.path } : {}) });
}

export type SupervisionUpdate = { violations: SupervisedViolation[]; failure?: LaunchFailure; ended: boolean };

/**
 * The parent's end of one launch. Unsupervised launches (kill-process children) still get
 * the launcher's failure reports.
 */
export class Supervision {
  readonly violations: SupervisedViolation[] = [];
  failure: LaunchFailure | undefined;
  /** The launcher handed its listener over (a supervised child): the program is about to start. */
  handedOver = false;
  ended = false;
  private readonly recorded: RecordedCall[] = [];
  private readonly listeners: ((update: SupervisionUpdate) => void)[] = [];
  private released = false;

  constructor(readonly id: number, readonly mode: 'kill' | 'record', readonly supervised: boolean) {}

  /** Calls `listener` with what is new whenever the supervisor has something (on this thread). */
  subscribe(listener: (update: SupervisionUpdate) => void): void {
    this.listeners.push(listener);
  }

  /** Takes in what the supervisor has so far; returns what is new. Safe to call any time. */
  drain(): SupervisionUpdate {
    // The end is the supervisor's last event: once it was taken, nothing more comes.
    if (this.released || this.ended) return { violations: [], ended: this.ended };
    let taken: { events: NativeSupervisionEvent[]; ended: boolean };
    if (this.mode === 'record') {
      const withRecords = binding!.supervisionRecords(this.id);
      this.recorded.push(...parseRecords(withRecords.records));
      taken = withRecords;
    } else {
      taken = binding!.supervisionEvents(this.id);
    }
    const update: SupervisionUpdate = { violations: [], ended: taken.ended };
    for (const e of taken.events) {
      if (e.kind === 'handoff') this.handedOver = true;
      else if (e.kind === 'violation') update.violations.push(violation(e));
      else if (e.kind === 'error') update.failure = this.failure ??= failure(e);
    }
    this.violations.push(...update.violations);
    this.ended = taken.ended;
    return update;
  }

  /** Record mode: the calls recorded since the last take. */
  takeRecords(): RecordedCall[] {
    this.drain();
    return this.recorded.splice(0);
  }

  /** Done with it: the supervisor keeps guarding the child, but tells this process nothing more. */
  release(): void {
    if (this.released) return;
    this.released = true;
    watched.delete(this.id);
    binding!.releaseSupervision(this.id);
  }

  /** Called by the supervisor thread (through the thread-safe function). */
  notify(): void {
    const update = this.drain();
    if (update.violations.length || update.failure || update.ended) for (const l of this.listeners) l(update);
  }
}

function parseRecords(bytes: Buffer): RecordedCall[] {
  const out: RecordedCall[] = [];
  const le = endianness() === 'LE';
  for (let off = 0; off + 64 <= bytes.length; off += 64) {
    const u32 = (at: number) => (le ? bytes.readUInt32LE(off + at) : bytes.readUInt32BE(off + at));
    const i32 = (at: number) => (le ? bytes.readInt32LE(off + at) : bytes.readInt32BE(off + at));
    const args: bigint[] = [];
    for (let i = 0; i < 6; i++) args.push(le ? bytes.readBigUInt64LE(off + 16 + i * 8) : bytes.readBigUInt64BE(off + 16 + i * 8));
    out.push({ pid: u32(0), nr: i32(4), arch: u32(8), args });
  }
  return out;
}

/** The supervisions of this environment, by watch id, for the supervisor's calls. */
const watched = new Map<number, Supervision>();
let listening = false;

/** Hands `channel` (the parent end) to the supervisor thread. */
export function superviseChannel(channel: number, mode: 'kill' | 'record', supervised: boolean, readProc: boolean): Supervision {
  if (!listening) {
    binding!.supervisionListener((id) => watched.get(id)?.notify());
    listening = true;
  }
  const supervision = new Supervision(binding!.supervise(channel, { mode, readProc }), mode, supervised);
  watched.set(supervision.id, supervision);
  return supervision;
}

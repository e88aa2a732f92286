/**
 * The violation report line a locked-down process prints before it dies, read with a pattern
 * written here from the line's documented form (README "Violation reports"), not with the
 * package's own `parseViolation`: a change that breaks the line and its parser alike must
 * still turn the tests red.
 *
 *   seccomp-node: blocked system call ptrace (nr 101, arch x86_64) in thread 4242 (main); killing the process with SIGSYS
 *
 * The name must be a real system call name: "unknown" is refused, and so is the reporter's
 * "?" for a number it cannot name, except on a foreign-architecture line (x32, i386 in an
 * x86_64 process), where the reporter knows only native names and the number and the
 * architecture are what the line can say.
 */
export interface ReportLine {
  /** The whole line, as printed. */
  line: string;
  syscall: string;
  nr: number;
  arch: string;
  thread: number;
  main: boolean;
}

const LINE = /^seccomp-node: blocked system call (\S+) \(nr (\d+), arch (x86_64|x32|i386|aarch64|arm)\) in thread ([1-9]\d*)( \(main\))?; killing the process with SIGSYS$/;
const NAME = /^[a-z][a-z0-9_]*$/;
const FOREIGN = new Set(['x32', 'i386']);

/** Every report line in `stderr`, in order. A line that starts like one but does not match is an error. */
export function reportLines(stderr: string): ReportLine[] {
  const out: ReportLine[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('seccomp-node: blocked system call')) continue;
    const m = LINE.exec(line);
    const named = m !== null && ((NAME.test(m[1]) && m[1] !== 'unknown') || (m[1] === '?' && FOREIGN.has(m[3])));
    if (!m || !named) throw new Error(`not a well-formed report line naming a system call: ${JSON.stringify(line)}`);
    out.push({ line, syscall: m[1], nr: Number(m[2]), arch: m[3], thread: Number(m[4]), main: m[5] !== undefined });
  }
  return out;
}

/** The one report line in `stderr`; undefined when there is none, an error when there are several. */
export function reportLine(stderr: string): ReportLine | undefined {
  const lines = reportLines(stderr);
  if (lines.length > 1) throw new Error(`expected one report line, found ${lines.length}:\n${stderr}`);
  return lines[0];
}

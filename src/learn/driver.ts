/**
 * The child side of `seccomp-node learn`: `node lib/learn/driver.js SPEC_FILE`. The command
 * line is synchronous, learning is not (strace runs the program, and a timeout must stop
 * it), so the command runs this script with spawnSync. The program keeps the terminal; the
 * outcome travels back as one JSON line on descriptor 3.
 */
import * as fs from 'node:fs';
import { learnCommand, type LearnCommandOptions } from './index';

export interface DriverSpec {
  command: string;
  args: string[];
  options: LearnCommandOptions;
}

export type DriverMessage =
  | { ok: true; text: string; groups: string[]; partialGroups: Record<string, string[]>; allowed: number; calls: number;
    exit?: { code: number | null; signal: string | null; timedOut: boolean } }
  | { ok: false; error: { code?: string; message: string } };

function send(message: DriverMessage): void {
  fs.writeSync(3, `${JSON.stringify(message)}\n`);
}

async function main(): Promise<void> {
  const file = process.argv[2];
  const spec = JSON.parse(fs.readFileSync(file, 'utf8')) as DriverSpec;
  fs.rmSync(file, { force: true });
  try {
    const r = await learnCommand(spec.command, spec.args, { ...spec.options, stdio: 'inherit' });
    send({
      ok: true, text: r.text, groups: r.groups, partialGroups: r.partialGroups,
      allowed: [...r.observations.syscalls.values()].filter((u) => u.any || u.classes.size > 0).length,
      calls: r.observations.calls, ...(r.exit ? { exit: r.exit } : {}),
    });
  } catch (error) {
    const e = error as { code?: string; message?: string };
    send({ ok: false, error: { ...(typeof e.code === 'string' ? { code: e.code } : {}), message: String(e.message ?? error) } });
  }
}

if (require.main === module) void main();

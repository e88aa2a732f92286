/**
 * `node --require seccomp-node/lib/testing/preload.js`: arms a fault filter when the main
 * module starts, so that Node's own startup (loading the runtime, reading the main module)
 * runs normally and the program's code meets the faults. Used by `seccomp-node chaos` and
 * runSandboxed({ command: 'node' ... }, { fail }) for Node programs.
 *
 * It loads nothing of the package but the addon itself: the caller compiled the filter
 * before exec, so that a policy the program already runs under (from exec) needs to allow
 * no more than loading a shared library for the faults to be armed.
 *
 * Environment (removed once read, so that child processes do not re-arm):
 * - SECCOMP_NODE_FAULTS: the fault filter's BPF program, base64, compiled and verified
 *   against its policy by the caller (the addon loads exactly those bytes);
 * - SECCOMP_NODE_ADDON: the addon's path;
 * - SECCOMP_NODE_FAULTS_FD: a descriptor to report to (armed, uncaught exception), one
 *   JSON line per event. Writes to it are exempted from the faults by the caller.
 *
 * CommonJS entry points (and `node -e`) are armed just before the main module's code is
 * compiled; ES module entry points on the first turn of the event loop, which may be
 * before the module graph has finished loading.
 */
import * as fs from 'node:fs';
import Module = require('node:module');

const faults = process.env.SECCOMP_NODE_FAULTS;
const addonPath = process.env.SECCOMP_NODE_ADDON;
const fdText = process.env.SECCOMP_NODE_FAULTS_FD;
delete process.env.SECCOMP_NODE_FAULTS;
delete process.env.SECCOMP_NODE_ADDON;
delete process.env.SECCOMP_NODE_FAULTS_FD;
const reportFd = fdText && /^\d+$/.test(fdText) ? Number(fdText) : undefined;

function send(message: object): void {
  if (reportFd === undefined) return;
  const data = Buffer.from(`${JSON.stringify(message)}\n`);
  let offset = 0;
  for (let tries = 0; offset < data.length && tries < 1000; tries++) {
    try {
      offset += fs.writeSync(reportFd, data, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
    }
  }
}

function describe(error: unknown): object {
  if (typeof error !== 'object' || error === null) return { name: typeof error, message: String(error) };
  const e = error as NodeJS.ErrnoException;
  return { name: e.name, message: e.message, ...(e.code ? { code: e.code } : {}), ...(e.syscall ? { syscall: e.syscall } : {}) };
}

if (faults && addonPath) {
  let armed = false;
  const arm = (when: string): void => {
    if (armed) return;
    armed = true;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const addon = require(addonPath) as { loadProgram(program: Buffer, options: { tsync: boolean; report: boolean }): void };
      addon.loadProgram(Buffer.from(faults, 'base64'), { tsync: true, report: false });
      send({ event: 'armed', when });
    } catch (error) {
      process.stderr.write(`seccomp-node: could not arm the faults: ${(error as Error).message}\n`);
      process.exit(70);
    }
  };
  process.on('uncaughtExceptionMonitor', (error, origin) => send({ event: 'uncaught', origin, error: describe(error) }));
  const proto = (Module as unknown as { prototype: { _compile: (...args: unknown[]) => unknown } }).prototype;
  const compile = proto._compile;
  proto._compile = function compileMain(this: unknown, ...args: unknown[]) {
    proto._compile = compile;
    arm('main module');
    return compile.apply(this, args);
  };
  setImmediate(() => arm('first turn of the event loop')).unref();
}

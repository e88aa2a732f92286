/**
 * child_process.execFile's behaviour (output collected, `timeout`, `maxBuffer`,
 * `killSignal`, `encoding`, the error it builds) over a spawn function: sandbox.execFile
 * spawns the launcher with an extra descriptor, which Node's own execFile cannot pass.
 */
import type * as cp from 'node:child_process';
import { getSystemErrorName } from 'node:util';
import { SeccompError } from '../errors';

export type ExecFileCallback = (error: cp.ExecFileException | null, stdout: string | Buffer, stderr: string | Buffer) => void;

const MAX_BUFFER = 1024 * 1024;

function maxBufferError(stream: 'stdout' | 'stderr'): RangeError & { code: string } {
  const error = new RangeError(`${stream} maxBuffer length exceeded`) as RangeError & { code: string };
  error.code = 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER';
  return error;
}

function systemErrorName(code: number): string {
  try { return getSystemErrorName(code); } catch { return String(code); }
}

/** Options execFile itself acts on; the rest go to spawn. */
export interface ExecFileBehaviour {
  encoding?: BufferEncoding | 'buffer' | null;
  timeout?: number;
  maxBuffer?: number;
  killSignal?: NodeJS.Signals | number;
}

/**
 * Runs `spawn()` and collects the child's output as child_process.execFile does, calling
 * `callback(error, stdout, stderr)` once.
 */
export function collectOutput(child: cp.ChildProcess, file: string, args: readonly string[], behaviour: ExecFileBehaviour,
  callback: ExecFileCallback | undefined): cp.ChildProcess {
  const options = { encoding: 'utf8' as const, timeout: 0, maxBuffer: MAX_BUFFER, killSignal: 'SIGTERM' as const, ...behaviour };
  if (!Number.isInteger(options.timeout) || options.timeout < 0) {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', '`timeout` must be a non-negative integer', { timeout: options.timeout });
  }
  if (typeof options.maxBuffer !== 'number' || !(options.maxBuffer >= 0)) {
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION', '`maxBuffer` must be a non-negative number', { maxBuffer: options.maxBuffer });
  }
  const encoding = options.encoding !== 'buffer' && options.encoding !== null && Buffer.isEncoding(options.encoding) ? options.encoding : null;
  const chunks: { stdout: (string | Buffer)[]; stderr: (string | Buffer)[] } = { stdout: [], stderr: [] };
  const lengths = { stdout: 0, stderr: 0 };
  let killed = false;
  let exited = false;
  let timer: NodeJS.Timeout | undefined;
  let ex: (Error & Partial<cp.ExecFileException>) | null = null;

  const joined = (stream: 'stdout' | 'stderr'): string | Buffer => {
    const readable = child[stream];
    return encoding || readable?.readableEncoding ? chunks[stream].join('') : Buffer.concat(chunks[stream] as Buffer[]);
  };
  const exithandler = (code?: number | null, signal?: NodeJS.Signals | null): void => {
    if (exited) return;
    exited = true;
    if (timer) clearTimeout(timer);
    if (!callback) return;
    const stdout = joined('stdout');
    const stderr = joined('stderr');
    if (!ex && code === 0 && signal === null) {
      callback(null, stdout, stderr);
      return;
    }
    const cmd = args.length ? `${file} ${args.join(' ')}` : file;
    if (!ex) {
      ex = Object.assign(new Error(`Command failed: ${cmd}\n${stderr}`), {
        code: typeof code === 'number' && code < 0 ? systemErrorName(code) : code, killed: child.killed || killed, signal,
      }) as Error & Partial<cp.ExecFileException>;
    }
    ex.cmd = cmd;
    callback(ex as cp.ExecFileException, stdout, stderr);
  };
  const kill = (): void => {
    child.stdout?.destroy();
    child.stderr?.destroy();
    killed = true;
    try {
      child.kill(options.killSignal);
    } catch (error) {
      ex = error as Error;
      exithandler();
    }
  };
  if (options.timeout > 0) timer = setTimeout(() => { timer = undefined; kill(); }, options.timeout);
  for (const stream of ['stdout', 'stderr'] as const) {
    const readable = child[stream];
    if (!readable) continue;
    if (encoding) readable.setEncoding(encoding);
    readable.on('data', (chunk: string | Buffer) => {
      if (options.maxBuffer === Infinity) {
        chunks[stream].push(chunk);
        return;
      }
      const chunkEncoding = readable.readableEncoding;
      const length = chunkEncoding ? Buffer.byteLength(chunk as string, chunkEncoding) : chunk.length;
      lengths[stream] += length;
      if (lengths[stream] > options.maxBuffer) {
        const keep = options.maxBuffer - (lengths[stream] - length);
        chunks[stream].push(chunk.slice(0, keep));
        ex = maxBufferError(stream);
        kill();
      } else {
        chunks[stream].push(chunk);
      }
    });
  }
  child.addListener('close', exithandler);
  child.addListener('error', (error: Error) => {
    ex = error;
    child.stdout?.destroy();
    child.stderr?.destroy();
    exithandler();
  });
  return child;
}

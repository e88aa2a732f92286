import { ARCH_TOKENS } from '../arch';
import { actionName, disassemble } from '../bpf/disassemble';
import { traceFilter } from '../bpf/emulator';
import { SeccompError } from '../errors';
import { explainPath, explainPort } from '../landlock/describe';
import { FS_ACCESS_NAMES, PORT_ACCESS_NAMES, type FsAccessName, type PortAccessName } from '../landlock/rights';
import { compileFor, exportBpf } from '../loader';
import { syscallName, syscallNumber } from '../syscalls';
import { bindForInspection, isSelfPid } from '../self-pid';
import {
  archOption, loadPolicy, OCI_WIDTHS_OPTION, OCI_WIDTHS_USAGE, ociWidthsOption, parse, parseValue, pidOption, UsageError, type Command,
} from './common';

/**
 * What the compiled filter does with one call, found by running the BPF program in the
 * emulator (src/bpf) over the call's seccomp_data: the same program the kernel would run,
 * not a second reading of the policy.
 */
export const explain: Command = {
  name: 'explain',
  summary: 'run the compiled filter on one call and say what happens to it; or what Landlock does with a path or a port',
  usage: `explain [--arch ARCH] [--pid PID] [--trace] ${OCI_WIDTHS_USAGE} FILE SYSCALL [ARG...]   (ARG: number, constant, A|B; up to 6)\n` +
    '       explain FILE --path PATH [--access read|write|execute]\n       explain FILE --port PORT [--access bind|connect]',
  run(argv, out) {
    const { values, positionals } = parse(argv, {
      arch: { type: 'string' }, pid: { type: 'string' }, trace: { type: 'boolean' }, path: { type: 'string' }, port: { type: 'string' },
      access: { type: 'string' }, ...OCI_WIDTHS_OPTION,
    });
    if (values.path !== undefined || values.port !== undefined) return explainLandlock(positionals, values, out);
    const [file, name, ...rawArgs] = positionals;
    if (!file || !name) throw new UsageError('name a policy file and a system call');
    if (rawArgs.length > 6) throw new UsageError('system calls have at most 6 arguments');
    const arch = archOption(values.arch);
    const nr = syscallNumber(name, arch);
    if (nr === undefined) {
      throw new SeccompError('ERR_SECCOMP_UNKNOWN_SYSCALL', `${name} does not exist on ${arch}`, { syscall: name });
    }
    const args = rawArgs.map(parseValue);
    const source = loadPolicy(file, arch, ociWidthsOption(values['oci-widths'])).policy;
    const { policy, note } = bindForInspection(source, pidOption(values.pid));
    // Only a call whose rules compare with $pid has a verdict that depends on it.
    const pinned = source.rules.some((r) => r.syscall === name && r.conditions?.some((c) => isSelfPid(c.value)));
    const compiled = compileFor(policy, { arch, report: false });
    const program = exportBpf(compiled);
    const { result, path } = traceFilter(program, { nr, arch: ARCH_TOKENS[arch], args });
    const verdict = actionName(result) ?? `0x${result.toString(16)}`;
    const origin = result === compiled.spec.defaultAction ? ' (the policy\'s default action)' : '';
    out.stdout(`${name}(${rawArgs.join(', ')}) on ${arch} (nr ${nr}): ${verdict}${origin}\n`);
    if (note && pinned) out.stdout(`(${note})\n`);
    if (values.trace) {
      const listing = disassemble(program, { syscallName: (n) => syscallName(n, arch) }).split('\n');
      out.stdout(`instructions run (${path.length}):\n${path.map((pc) => listing[pc]).join('\n')}\n`);
    }
    return 0;
  },
};

/** `explain FILE --path PATH` / `--port PORT`: Landlock's verdict under the policy's rules. */
function explainLandlock(positionals: string[], values: { arch?: string; path?: string; port?: string; access?: string },
  out: Parameters<Command['run']>[1]): number {
  const [file, extra] = positionals;
  if (!file || extra !== undefined) throw new UsageError('name one policy file with --path or --port');
  const { policy } = loadPolicy(file, archOption(values.arch));
  if (values.path !== undefined) {
    const access = (values.access ?? 'read') as FsAccessName;
    if (!FS_ACCESS_NAMES.includes(access)) throw new UsageError(`--access with --path is one of ${FS_ACCESS_NAMES.join(', ')}`);
    const verdict = explainPath(policy.landlock, values.path, access);
    out.stdout(`${access} ${values.path}: ${verdict.why}\n`);
    return 0;
  }
  const port = Number(values.port);
  if (!/^\d{1,5}$/.test(values.port ?? '') || port > 65535) throw new UsageError(`--port takes a TCP port, not "${values.port}"`);
  const access = (values.access ?? 'connect') as PortAccessName;
  if (!PORT_ACCESS_NAMES.includes(access)) throw new UsageError(`--access with --port is one of ${PORT_ACCESS_NAMES.join(', ')}`);
  out.stdout(`${access} TCP port ${port}: ${explainPort(policy.landlock, port, access).why}\n`);
  return 0;
}

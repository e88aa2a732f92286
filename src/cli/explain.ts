import { ARCH_TOKENS, type ArchName } from '../arch';
import { actionName, disassemble } from '../bpf/disassemble';
import { traceFilter, type SeccompData } from '../bpf/emulator';
import { SeccompError } from '../errors';
import { explainPath, explainPort } from '../landlock/describe';
import { FS_ACCESS_NAMES, PORT_ACCESS_NAMES, type FsAccessName, type PortAccessName } from '../landlock/rights';
import { compileFor, exportBpf } from '../verified-program';
import type { Policy } from '../policy';
import { formatRule } from '../policy-file/format';
import { describeOrigin, originOf } from '../rule-origin';
import { resolveSyscall, syscallName } from '../syscalls';
import { referenceModel } from '../verify/reference';
import { bindForInspection, isSelfPid } from '../self-pid';
import {
  archOption, asUsage, loadPolicy, OCI_WIDTHS_OPTION, OCI_WIDTHS_USAGE, ociWidthsOption, parse, parseValue, pidOption, UsageError, type Command,
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
    const nr = asUsage(() => callNumber(name, arch));
    const args = rawArgs.map(parseValue);
    const source = loadPolicy(file, arch, ociWidthsOption(values['oci-widths'])).policy;
    const { policy, note } = bindForInspection(source, pidOption(values.pid));
    // Only a call whose rules compare with $pid has a verdict that depends on it.
    const pinned = source.rules.some((r) => r.syscall === name && r.conditions?.some((c) => isSelfPid(c.value)));
    const compiled = compileFor(policy, { arch, report: false });
    const program = exportBpf(compiled);
    const { result, path } = traceFilter(program, { nr, arch: ARCH_TOKENS[arch], args });
    const verdict = actionName(result) ?? `0x${result.toString(16)}`;
    out.stdout(`${name}(${rawArgs.join(', ')}) on ${arch} (nr ${nr}): ${verdict}\n`);
    out.stdout(`  ${decidedBy(compiled.policy, arch, { nr, arch: ARCH_TOKENS[arch], args }, result)}\n`);
    if (note && pinned) out.stdout(`(${note})\n`);
    if (values.trace) {
      const listing = disassemble(program, { syscallName: (n) => syscallName(n, arch) }).split('\n');
      out.stdout(`instructions run (${path.length}):\n${path.map((pc) => listing[pc]).join('\n')}\n`);
    }
    return 0;
  },
};

/** The call's number on `arch`; a name that is misspelt, or exists only elsewhere, is an error that says so. */
function callNumber(name: string, arch: ArchName): number {
  const resolution = resolveSyscall(name, arch); // unknown everywhere: ERR_SECCOMP_UNKNOWN_SYSCALL with a suggestion
  if (resolution.kind === 'present') return resolution.nr;
  throw new SeccompError('ERR_SECCOMP_UNKNOWN_SYSCALL',
    `${name} does not exist on ${arch} (it does on ${resolution.arches.join(', ')}); name a call of ${arch}, or pass --arch`,
    { syscall: name, arch, elsewhere: resolution.arches });
}

/**
 * Which rule gave the program's answer, read from the policy's reference interpreter (the
 * one verification checks the program against): the rules for the call whose conditions
 * all hold and whose action is the one the program returned, with the file and line each
 * was written at; or the default action when none holds.
 */
function decidedBy(policy: Policy, arch: ArchName, call: SeccompData, result: number): string {
  const model = referenceModel(policy, { arch, report: false });
  const args = call.args ?? [];
  const deciding = model.rules.filter((r) => r.nr === call.nr && r.action === result &&
    r.conditions.every((c) => {
      const value = args[c.arg] ?? 0n;
      return c.holds(Number(value & 0xffffffffn), Number((value >> 32n) & 0xffffffffn));
    }));
  if (deciding.length === 0) return 'decided by the policy\'s default action (no rule for this call holds)';
  return deciding.map((r) => {
    const origin = originOf(r.source);
    const index = policy.rules.indexOf(r.source);
    const where = origin ? describeOrigin(origin) : index >= 0 ? `rules[${index}]` : 'the violation reporter\'s rule';
    return `decided by ${where}: ${formatRule(r.source)}`;
  }).join('\n  ');
}

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

import { ARCH_TOKENS } from '../arch';
import { actionName, disassemble } from '../bpf/disassemble';
import { traceFilter } from '../bpf/emulator';
import { SeccompError } from '../errors';
import { compileFor, exportBpf } from '../loader';
import { syscallNumber, syscallTable } from '../syscalls';
import {
  archOption, loadPolicy, OCI_WIDTHS_OPTION, OCI_WIDTHS_USAGE, ociWidthsOption, parse, parseValue, UsageError, type Command,
} from './common';

/**
 * What the compiled filter does with one call, found by running the BPF program in the
 * emulator (src/bpf) over the call's seccomp_data: the same program the kernel would run,
 * not a second reading of the policy.
 */
export const explain: Command = {
  name: 'explain',
  summary: 'run the compiled filter on one call and say what happens to it',
  usage: `explain [--arch ARCH] [--trace] ${OCI_WIDTHS_USAGE} FILE SYSCALL [ARG...]   (ARG: number, constant, A|B; up to 6)`,
  run(argv, out) {
    const { values, positionals } = parse(argv, { arch: { type: 'string' }, trace: { type: 'boolean' }, ...OCI_WIDTHS_OPTION });
    const [file, name, ...rawArgs] = positionals;
    if (!file || !name) throw new UsageError('name a policy file and a system call');
    if (rawArgs.length > 6) throw new UsageError('system calls have at most 6 arguments');
    const arch = archOption(values.arch);
    const nr = syscallNumber(name, arch);
    if (nr === undefined) {
      throw new SeccompError('ERR_SECCOMP_UNKNOWN_SYSCALL', `${name} does not exist on ${arch}`, { syscall: name });
    }
    const args = rawArgs.map(parseValue);
    const compiled = compileFor(loadPolicy(file, arch, ociWidthsOption(values['oci-widths'])).policy, { arch, report: false });
    const program = exportBpf(compiled);
    const { result, path } = traceFilter(program, { nr, arch: ARCH_TOKENS[arch], args });
    const verdict = actionName(result) ?? `0x${result.toString(16)}`;
    const origin = result === compiled.spec.defaultAction ? ' (the policy\'s default action)' : '';
    out.stdout(`${name}(${rawArgs.join(', ')}) on ${arch} (nr ${nr}): ${verdict}${origin}\n`);
    if (values.trace) {
      const names = syscallTable(arch);
      const listing = disassemble(program, { syscallName: (n) => names[n] || undefined }).split('\n');
      out.stdout(`instructions run (${path.length}):\n${path.map((pc) => listing[pc]).join('\n')}\n`);
    }
    return 0;
  },
};

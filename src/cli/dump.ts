import { disassemble } from '../bpf/disassemble';
import { dumpLandlock } from '../landlock/describe';
import { compileFor, exportBpf, exportPfc } from '../verified-program';
import { syscallName } from '../syscalls';
import { bindForInspection } from '../self-pid';
import {
  archOption, loadPolicy, OCI_WIDTHS_OPTION, OCI_WIDTHS_USAGE, ociWidthsOption, parse, pidOption, UsageError, type Command,
} from './common';

export const dump: Command = {
  name: 'dump',
  summary: 'show the compiled filter: libseccomp\'s pseudo code, a BPF disassembly, and the Landlock ruleset for this kernel',
  usage: `dump [--arch ARCH] [--pid PID] ${OCI_WIDTHS_USAGE} FILE`,
  run(argv, out) {
    const { values, positionals } = parse(argv, { arch: { type: 'string' }, pid: { type: 'string' }, ...OCI_WIDTHS_OPTION });
    if (positionals.length !== 1) throw new UsageError('name exactly one policy file');
    const arch = archOption(values.arch);
    const source = loadPolicy(positionals[0], arch, ociWidthsOption(values['oci-widths'])).policy;
    const { policy, note } = bindForInspection(source, pidOption(values.pid));
    const compiled = compileFor(policy, { arch, report: false });
    const program = exportBpf(compiled);
    out.stdout(`# ${positionals[0]} for ${arch}: ${program.length / 8} BPF instructions\n${note ? `# ${note}\n` : ''}\n`);
    out.stdout(exportPfc(compiled));
    out.stdout('\n# BPF disassembly\n');
    out.stdout(`${disassemble(program, { syscallName: (nr) => syscallName(nr, arch) })}\n`);
    if (policy.landlock) out.stdout(`\n${dumpLandlock(policy.landlock)}`);
    return 0;
  },
};

import { disassemble } from '../bpf/disassemble';
import { compileFor, exportBpf, exportPfc } from '../loader';
import { syscallTable } from '../syscalls';
import {
  archOption, loadPolicy, OCI_WIDTHS_OPTION, OCI_WIDTHS_USAGE, ociWidthsOption, parse, UsageError, type Command,
} from './common';

export const dump: Command = {
  name: 'dump',
  summary: 'show the compiled filter: libseccomp\'s pseudo code and a BPF disassembly',
  usage: `dump [--arch ARCH] ${OCI_WIDTHS_USAGE} FILE`,
  run(argv, out) {
    const { values, positionals } = parse(argv, { arch: { type: 'string' }, ...OCI_WIDTHS_OPTION });
    if (positionals.length !== 1) throw new UsageError('name exactly one policy file');
    const arch = archOption(values.arch);
    const compiled = compileFor(loadPolicy(positionals[0], arch, ociWidthsOption(values['oci-widths'])).policy, { arch, report: false });
    const program = exportBpf(compiled);
    const names = syscallTable(arch);
    out.stdout(`# ${positionals[0]} for ${arch}: ${program.length / 8} BPF instructions\n\n`);
    out.stdout(exportPfc(compiled));
    out.stdout('\n# BPF disassembly\n');
    out.stdout(`${disassemble(program, { syscallName: (nr) => names[nr] || undefined })}\n`);
    return 0;
  },
};

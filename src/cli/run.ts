import { execUnderPolicy } from '../exec';
import {
  archOption, loadPolicy, OCI_WIDTHS_OPTION, OCI_WIDTHS_USAGE, ociWidthsOption, parse, UsageError, type Command,
} from './common';

export const run: Command = {
  name: 'run',
  summary: 'run a program under a policy from its first instruction (the filter is loaded before exec)',
  usage: `run --policy FILE ${OCI_WIDTHS_USAGE} -- COMMAND [ARG...]`,
  run(argv, out) {
    const { values, positionals } = parse(argv, { policy: { type: 'string', short: 'p' }, ...OCI_WIDTHS_OPTION });
    if (!values.policy) throw new UsageError('--policy FILE is required');
    const [command, ...args] = positionals;
    if (!command) throw new UsageError('name the program to run after --');
    const { policy, notes, warnings } = loadPolicy(values.policy, archOption(undefined), ociWidthsOption(values['oci-widths']));
    for (const note of notes) out.stderr(`${values.policy}: note: ${note}\n`);
    for (const warning of warnings) out.stderr(`${values.policy}: warning: ${warning}\n`);
    // Replaces this process: the exit status seen by the caller is the program's own.
    return execUnderPolicy(policy, command, args);
  },
};

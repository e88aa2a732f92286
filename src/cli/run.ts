import { execUnderPolicy } from '../exec';
import { checkLandlock, mergeLandlock, type LandlockRules } from '../landlock/policy';
import {
  archOption, loadPolicy, OCI_WIDTHS_OPTION, OCI_WIDTHS_USAGE, ociWidthsOption, parse, UsageError, type Command,
} from './common';

function ports(values: string[] | undefined, flag: string): number[] | undefined {
  return values?.map((v) => {
    if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new UsageError(`${flag} takes a TCP port (0 to 65535), not "${v}"`);
    return Number(v);
  });
}

/** The Landlock rules given as flags (added to the policy file's own). */
function landlockFlags(values: Record<string, unknown>): LandlockRules | undefined {
  const list = (key: string) => values[key] as string[] | undefined;
  const fs = { read: list('fs-read'), write: list('fs-write'), execute: list('fs-execute') };
  const net = { bind: ports(list('net-bind'), '--net-bind'), connect: ports(list('net-connect'), '--net-connect') };
  const rules: Record<string, unknown> = {};
  if (Object.values(fs).some(Boolean)) rules.fs = fs;
  if (Object.values(net).some(Boolean)) rules.net = net;
  if (values.isolate !== undefined) {
    if (values.isolate !== 'on' && values.isolate !== 'off') throw new UsageError(`--isolate takes on or off, not "${String(values.isolate)}"`);
    rules.isolate = values.isolate === 'on';
  }
  if (values['best-effort']) rules.bestEffort = true;
  return Object.keys(rules).length ? checkLandlock(rules) : undefined;
}

export const run: Command = {
  name: 'run',
  summary: 'run a program under a policy from its first instruction (Landlock, then the filter, are applied before exec)',
  usage: 'run --policy FILE [--fs-read PATH] [--fs-write PATH] [--fs-execute PATH] [--net-bind PORT] [--net-connect PORT] ' +
    `[--isolate on|off] [--best-effort] ${OCI_WIDTHS_USAGE} -- COMMAND [ARG...]`,
  run(argv, out) {
    const many = { type: 'string', multiple: true } as const;
    const { values, positionals } = parse(argv, {
      policy: { type: 'string', short: 'p' },
      'fs-read': many, 'fs-write': many, 'fs-execute': many, 'net-bind': many, 'net-connect': many,
      isolate: { type: 'string' }, 'best-effort': { type: 'boolean' }, ...OCI_WIDTHS_OPTION,
    });
    if (!values.policy) throw new UsageError('--policy FILE is required');
    const [command, ...args] = positionals;
    if (!command) throw new UsageError('name the program to run after --');
    const { policy, notes, warnings } = loadPolicy(values.policy, archOption(undefined), ociWidthsOption(values['oci-widths']));
    for (const note of notes) out.stderr(`${values.policy}: note: ${note}\n`);
    for (const warning of warnings) out.stderr(`${values.policy}: warning: ${warning}\n`);
    const landlock = mergeLandlock(policy.landlock, landlockFlags(values));
    // Replaces this process: the exit status seen by the caller is the program's own.
    return execUnderPolicy(landlock ? { ...policy, landlock } : policy, command, args);
  },
};

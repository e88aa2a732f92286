import { SeccompError } from '../errors';
import { planHere, summariseLandlock } from '../landlock/describe';
import { lintPolicy } from '../lint';
import { compile } from '../compiler';
import { describeOrigin, locateRuleError, originOf } from '../rule-origin';
import {
  archOption, loadPolicy, OCI_WIDTHS_OPTION, OCI_WIDTHS_USAGE, ociWidthsOption, parse, UsageError, type Command,
} from './common';
import { bindForChecking } from '../self-pid';

export const check: Command = {
  name: 'check',
  summary: 'parse and validate policy files; warn about dangerous grants (exit 1 when a policy is wrong, 2 when a file cannot be read)',
  usage: `check [--arch ARCH] ${OCI_WIDTHS_USAGE} POLICY...   (POLICY: a file, a preset, a list such as @node,@fs-read, or JSON)`,
  run(argv, out) {
    const { values, positionals } = parse(argv, { arch: { type: 'string' }, ...OCI_WIDTHS_OPTION });
    if (positionals.length === 0) throw new UsageError('name at least one policy file');
    const arch = archOption(values.arch);
    const ociArgWidths = ociWidthsOption(values['oci-widths']);
    let failed = 0;
    let unreadable = 0;
    for (const file of positionals) {
      try {
        const source = loadPolicy(file, arch, ociArgWidths);
        // What only the compiler knows (names, widths, conflicts), at the rule's file and line.
        let skipped: string[];
        try {
          skipped = compile(bindForChecking(source.policy), { arch, report: false, optimize: 2 }).skipped;
        } catch (error) {
          throw locateRuleError(error, source.policy);
        }
        for (const note of source.notes) out.stderr(`${file}: note: ${note}\n`);
        for (const warning of source.warnings) out.stderr(`${file}: warning: ${warning}\n`);
        for (const w of lintPolicy(source.policy)) {
          const origin = w.rule >= 0 ? originOf(source.policy.rules[w.rule]) : undefined;
          const at = origin ? describeOrigin(origin) : file;
          out.stderr(`${at}: ${w.severity}: ${w.message}\n`);
        }
        const extra = skipped.length ? ` (not on ${arch}: ${skipped.join(', ')})` : '';
        out.stdout(`${file}: ok, ${source.policy.rules.length} rules for ${arch}${extra}\n`);
        if (source.policy.landlock) {
          for (const line of summariseLandlock(source.policy.landlock)) out.stdout(`  ${line}\n`);
          // Paths and kernel rights are facts of the machine that runs it: warnings here.
          try {
            const { layer } = planHere(source.policy.landlock);
            for (const m of layer.missing) out.stderr(`${file}: note: optional path ${m} does not exist here (skipped)\n`);
            for (const n of layer.notEnforced) out.stderr(`${file}: warning: ${n.what} needs Landlock ABI ${n.abi}; not enforced on this kernel\n`);
          } catch (error) {
            out.stderr(`${file}: warning: on this machine, ${(error as Error).message}\n`);
          }
        }
      } catch (error) {
        // A file that cannot be read is the caller's mistake (status 2), not the policy's (1).
        if (error instanceof SeccompError && error.code === 'ERR_SECCOMP_POLICY_FILE') unreadable++;
        else failed++;
        out.stderr(`${file}: error: ${(error as Error).message}${error instanceof SeccompError ? ` [${error.code}]` : ''}\n`);
      }
    }
    return unreadable > 0 ? 2 : failed > 0 ? 1 : 0;
  },
};

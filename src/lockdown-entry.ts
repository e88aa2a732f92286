/**
 * `node --import seccomp-node/lockdown app.js` (or `--require`): locks the process down
 * before the application's own code runs.
 *
 * The policy comes from the environment, which is then cleaned so that the application and
 * its children do not see it:
 * - SECCOMP_NODE_POLICY: a policy file path (with @fs/@net lines for Landlock); policy JSON
 *   (starts with `{`); lockdown options as JSON, such as Landlock rules on the default profile
 *   (`{"fs":{"read":["/srv/app"]},"net":{"bind":[8080]}}`); a list of groups and names
 *   (`@node,@fs-read,@net-server`); or a preset name (`fetcher`, `file-reader`...).
 *   Unset, the default daemon profile applies, as for `sandbox.lockdown()`.
 * - SECCOMP_NODE_OPTIONAL=1: on a system without seccomp, carry on without a filter.
 *
 * The application's modules are loaded after this, so the policy must allow reading them
 * (`@fs-read`, or the read-only opens of `@exec-start`). If the policy cannot be read or
 * loaded, the process exits with status 1 before the application starts.
 *
 * Unlike `sandbox.spawn`/`fork`, this runs after Node's startup: what Node opened by then
 * stays open, including, on Node 22 and later, its io_uring rings (see docs/threat-model.md, "Threat
 * model"). For a filter from the first instruction, start the process with `sandbox.fork`
 * or `seccomp-node run`.
 */
import { sandbox } from './sandbox';
import type * as Presets from './children/presets';

const POLICY_ENV = 'SECCOMP_NODE_POLICY';
const OPTIONAL_ENV = 'SECCOMP_NODE_OPTIONAL';

function lockdownFromEnvironment(): void {
  const spec = process.env[POLICY_ENV];
  const optional = process.env[OPTIONAL_ENV] === '1';
  delete process.env[POLICY_ENV];
  delete process.env[OPTIONAL_ENV];
  try {
    // The presets (and the groups they read) load only for a policy named in the environment:
    // the default profile's program is built into the package.
    const options = spec === undefined ? {} : (require('./children/presets') as typeof Presets).parsePolicySpec(spec);
    sandbox.lockdown({ ...options, optional });
  } catch (error) {
    process.stderr.write(`seccomp-node: cannot lock down before the application starts (${POLICY_ENV}=${spec ?? '(unset: the default profile)'}): ` +
      `${(error as Error).message}\n`);
    process.exit(1);
  }
}

lockdownFromEnvironment();

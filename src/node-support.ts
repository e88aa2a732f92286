/**
 * Which Node.js versions this release supports. One place for it: `status()` reports it,
 * package.json `engines` and README's platform table say the same (a test keeps them in
 * step), and CI (.ci/run) runs the suite on every version listed here.
 */

/** Node.js majors supported: the maintained release lines, each tested in CI. */
export const SUPPORTED_NODE_MAJORS: readonly number[] = [22, 24, 26];

/**
 * Majors past their end of life that CI still runs the suite on (while one is the CI
 * machine's own runtime), with the date support ended. They work; they are not supported.
 */
export const END_OF_LIFE_TESTED: Readonly<Record<number, string>> = { 20: '2026-04-30' };

/** How the running Node (or `version`) stands with this release. */
export interface NodeSupport {
  /** The version asked about, as `process.version` gives it ("v26.12.1"). */
  version: string;
  /** True for a supported major (see `versions`). */
  supported: boolean;
  /** The supported majors. */
  versions: number[];
  /** One sentence for a person: supported, end of life, or not tested. */
  note: string;
}

function list(majors: readonly number[]): string {
  return majors.length > 1 ? `${majors.slice(0, -1).join(', ')} and ${majors[majors.length - 1]}` : String(majors[0]);
}

/** Whether `version` (default: the running Node) is a supported Node.js version, and why not. */
export function nodeSupport(version: string = process.version): NodeSupport {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  const versions = [...SUPPORTED_NODE_MAJORS];
  const supported = versions.includes(major);
  const newest = versions[versions.length - 1];
  const note = supported ? `Node ${major} is supported (seccomp-node supports Node ${list(versions)})`
    : END_OF_LIFE_TESTED[major] ? `Node ${major} reached its end of life on ${END_OF_LIFE_TESTED[major]}: ` +
      `seccomp-node still passes its tests on it, but supports only Node ${list(versions)}; upgrade Node`
      : major > newest ? `Node ${major} is newer than the versions seccomp-node is tested on (Node ${list(versions)})`
        : `Node ${Number.isNaN(major) ? version : major} is not supported; seccomp-node supports Node ${list(versions)}`;
  return { version, supported, versions, note };
}

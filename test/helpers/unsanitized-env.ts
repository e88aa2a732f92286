/**
 * This process's environment without what `npm run test:asan` adds: the preloaded ASan
 * runtime, its options, and the sanitized addon's directory. For tests whose subject is not
 * the addon's memory safety and whose programs cannot run with libasan preloaded (a server
 * like PostgreSQL, or a target that maps fixed addresses where ASan keeps its shadow). The
 * addon then loaded is the ordinary build.
 */
const ADDED_BY_ASAN = /^(LD_PRELOAD|ASAN_OPTIONS|UBSAN_OPTIONS|SECCOMP_NODE_PREBUILD)$/;

export function unsanitizedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !ADDED_BY_ASAN.test(key)));
}

/** The same, as an overlay for helpers that merge an `env` over process.env (undefined unsets). */
export const UNSANITIZED: NodeJS.ProcessEnv = { LD_PRELOAD: undefined, ASAN_OPTIONS: undefined, UBSAN_OPTIONS: undefined, SECCOMP_NODE_PREBUILD: undefined };

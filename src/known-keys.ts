/**
 * Unknown keys are errors. A key the code does not read is a key whose meaning is lost:
 * `{ syscall: 'socket', args: [...] }` would otherwise allow every socket, and a policy rule
 * with `"actoin"` would quietly take the default. So every object a caller hands in (options,
 * rules, conditions, policy JSON, OCI profiles) is checked against the keys of its type.
 *
 * Each type has one key list, written as a {@link KeyList}: an object with one entry per
 * key of the type, so that the TypeScript compiler refuses a list that misses a key of the
 * interface or names one it does not have. Adding an option is then one line here (the
 * compiler points at it) next to the line in the interface.
 */
import { SeccompError } from './errors';
import { closestName } from './closest-name';

/** One `true` per key of T, optional keys included: the compiler checks the list against T. */
export type KeyList<T> = { readonly [K in keyof Required<T>]: true };

/** The keys of a list, for messages and membership. */
export function keyNames(list: object): string[] {
  return Object.keys(list);
}

/** A JSON-path step: `rules` + 3 gives `rules[3]`, `rules[3]` + `action` gives `rules[3].action`. */
export function pathTo(parent: string, step: string | number): string {
  if (typeof step === 'number') return `${parent}[${step}]`;
  return parent === '' ? step : `${parent}.${step}`;
}

/**
 * Throws ERR_SECCOMP_INVALID_OPTION for the first key of `input` that `known` does not
 * list, with a did-you-mean and the JSON path of the key. `what` names the object in the
 * message ("a rule", "lockdown options"); `hints` suggest keys for mistakes too far from
 * the right name for an edit distance to find (`args` for `conditions`).
 */
export function checkKnownKeys(input: object, known: object, what: string, path = '',
  hints: Readonly<Record<string, string>> = {}): void {
  const names = keyNames(known);
  for (const key of Object.keys(input)) {
    if (Object.hasOwn(known, key)) continue;
    const suggestion = (Object.hasOwn(hints, key) ? hints[key] : undefined) ?? closestName(key, names);
    const at = pathTo(path, key);
    throw new SeccompError('ERR_SECCOMP_INVALID_OPTION',
      `${at}: unknown key in ${what}` + (suggestion ? `; did you mean "${suggestion}"?` : '') +
      ` (${what} takes: ${names.join(', ')})`, { path: at, key, suggestion, known: names });
  }
}

/**
 * Runs `fn`; a SeccompError it throws without a location gets `path` in front of its
 * message and in `details.path`, so that errors deep in a policy say where they are.
 */
export function atPath<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (path === '' || !(error instanceof SeccompError) || error.details.path !== undefined) throw error;
    throw new SeccompError(error.code, `${path}: ${error.message}`, { ...error.details, path });
  }
}

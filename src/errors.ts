/**
 * Every error that seccomp-node throws on purpose is a {@link SeccompError} with a stable
 * `code`. Codes never change meaning; messages may improve.
 */

/**
 * Every code, one per kind of failure a caller would handle differently. docs/api.md's errors
 * table documents each; test/error-codes.test.ts keeps the two in step.
 */
export const SECCOMP_ERROR_CODES = [
  'ERR_SECCOMP_UNSUPPORTED',
  'ERR_SECCOMP_LIBSECCOMP_TOO_OLD',
  'ERR_SECCOMP_UNKNOWN_SYSCALL',
  'ERR_SECCOMP_UNKNOWN_GROUP',
  'ERR_SECCOMP_UNKNOWN_PROFILE',
  'ERR_SECCOMP_UNKNOWN_ERRNO',
  'ERR_SECCOMP_UNKNOWN_ARCH',
  'ERR_SECCOMP_INVALID_ACTION',
  'ERR_SECCOMP_INVALID_ARGUMENT_INDEX',
  'ERR_SECCOMP_VALUE_OUT_OF_RANGE',
  'ERR_SECCOMP_INVALID_CONDITION',
  'ERR_SECCOMP_INVALID_OPTION',
  'ERR_SECCOMP_INVALID_PROGRAM',
  'ERR_SECCOMP_RULE_CONFLICT',
  'ERR_SECCOMP_POLICY_SYNTAX',
  'ERR_SECCOMP_POLICY_FILE',
  'ERR_SECCOMP_FILTER_TOO_LARGE',
  'ERR_SECCOMP_TSYNC_FAILED',
  'ERR_SECCOMP_LOAD_FAILED',
  'ERR_SECCOMP_EXEC_FAILED',
  'ERR_SECCOMP_IO_URING_BLOCKED',
  'ERR_SECCOMP_IO_URING_SQPOLL',
  'ERR_SECCOMP_LANDLOCK_UNAVAILABLE',
  'ERR_SECCOMP_LANDLOCK_PATH',
  'ERR_SECCOMP_LANDLOCK_BLOCKED',
  'ERR_SECCOMP_LANDLOCK_FAILED',
  'ERR_SECCOMP_UNBOUND_PID',
  'ERR_SECCOMP_MISCOMPILED',
  'ERR_SECCOMP_NATIVE',
  'ERR_SECCOMP_LEARN_BUSY',
  'ERR_SECCOMP_LEARN_FAILED',
] as const;

export type SeccompErrorCode = typeof SECCOMP_ERROR_CODES[number];

/** Whether `code` is one of {@link SECCOMP_ERROR_CODES} (a code that crossed a pipe, say). */
export function isSeccompErrorCode(code: unknown): code is SeccompErrorCode {
  return typeof code === 'string' && (SECCOMP_ERROR_CODES as readonly string[]).includes(code);
}

export class SeccompError extends Error {
  /** Stable machine-readable code, e.g. `ERR_SECCOMP_UNKNOWN_SYSCALL`. */
  readonly code: SeccompErrorCode;
  /** Extra facts about the failure (the syscall name, the suggestion, the errno...). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: SeccompErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'SeccompError';
    this.code = code;
    this.details = details;
  }
}

/** Shape of the errors the native addon throws: `code` is an errno name or an ERR_ code. */
export interface NativeError extends Error {
  code?: string;
  errno?: number;
  thread?: number;
  /** buildFilter: the index of the native rule libseccomp refused. */
  rule?: number;
}

export function isNativeError(value: unknown): value is NativeError {
  return value instanceof Error;
}

/**
 * A native failure as a SeccompError: one the addon already coded keeps its code (a
 * missing libseccomp is ERR_SECCOMP_UNSUPPORTED wherever it shows), anything else gets
 * `code`. The errno name goes to `details.errno`. A SeccompError passes through as it is.
 */
export function fromNative(error: unknown, code: SeccompErrorCode, message: (why: string) => string,
  details: Record<string, unknown> = {}): SeccompError {
  if (error instanceof SeccompError) return error;
  const native = isNativeError(error) ? error : undefined;
  const why = native?.message ?? String(error);
  if (isSeccompErrorCode(native?.code)) return new SeccompError(native.code, message(why), details);
  return new SeccompError(code, message(why), { ...details, ...(native?.code ? { errno: native.code } : {}) });
}

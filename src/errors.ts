/**
 * Every error that seccomp-node throws on purpose is a {@link SeccompError} with a stable
 * `code`. Codes never change meaning; messages may improve.
 */
export type SeccompErrorCode =
  | 'ERR_SECCOMP_UNSUPPORTED'
  | 'ERR_SECCOMP_LIBSECCOMP_TOO_OLD'
  | 'ERR_SECCOMP_UNKNOWN_SYSCALL'
  | 'ERR_SECCOMP_UNKNOWN_GROUP'
  | 'ERR_SECCOMP_UNKNOWN_ERRNO'
  | 'ERR_SECCOMP_UNKNOWN_ARCH'
  | 'ERR_SECCOMP_INVALID_ACTION'
  | 'ERR_SECCOMP_INVALID_ARGUMENT_INDEX'
  | 'ERR_SECCOMP_VALUE_OUT_OF_RANGE'
  | 'ERR_SECCOMP_INVALID_CONDITION'
  | 'ERR_SECCOMP_INVALID_OPTION'
  | 'ERR_SECCOMP_RULE_CONFLICT'
  | 'ERR_SECCOMP_POLICY_SYNTAX'
  | 'ERR_SECCOMP_FILTER_TOO_LARGE'
  | 'ERR_SECCOMP_TSYNC_FAILED'
  | 'ERR_SECCOMP_LOAD_FAILED'
  | 'ERR_SECCOMP_EXEC_FAILED'
  | 'ERR_SECCOMP_IO_URING_BLOCKED'
  | 'ERR_SECCOMP_IO_URING_SQPOLL'
  | 'ERR_SECCOMP_LANDLOCK_UNAVAILABLE'
  | 'ERR_SECCOMP_LANDLOCK_PATH'
  | 'ERR_SECCOMP_LANDLOCK_BLOCKED'
  | 'ERR_SECCOMP_LANDLOCK_FAILED'
  | 'ERR_SECCOMP_UNBOUND_PID'
  | 'ERR_SECCOMP_MISCOMPILED'
  | 'ERR_SECCOMP_NATIVE';

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

/**
 * Milliseconds on the monotonic clock, for timing lockdown's phases. The global
 * `performance` loads perf_hooks on first use, about 1 ms of a start; process.hrtime
 * reads the same clock without it.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * What this kernel offers: the Landlock ABI version (0 when there is none) and why not.
 * Probed once, with landlock_create_ruleset(NULL, 0, VERSION), and remembered.
 */
import { binding, loadError } from '../native';

export interface LandlockSupport {
  /** Landlock ABI version; 0 when the kernel has no (enabled) Landlock. */
  abi: number;
  /** Bitmask of fixed errata (bit 2: signal scoping between sibling threads). */
  errata: number;
  /** Why there is no Landlock, when there is none. */
  reason?: string;
}

let cached: LandlockSupport | undefined;

function reasonFor(code: string | undefined): string {
  switch (code) {
    case 'ENOSYS': return 'the kernel has no Landlock (Linux 5.13 or later built with CONFIG_SECURITY_LANDLOCK is needed)';
    case 'EOPNOTSUPP': return 'Landlock is built into this kernel but not enabled (add "landlock" to the lsm= boot parameter)';
    default: return `the kernel refused the Landlock version probe (${code ?? 'unknown error'})`;
  }
}

/** The kernel's Landlock support, probed on first use. */
export function landlockSupport(): LandlockSupport {
  if (cached) return cached;
  if (!binding) return { abi: 0, errata: 0, reason: loadError ?? 'the native addon is not available' };
  const probe = binding.landlockAbi();
  cached = probe.abi > 0 ? { abi: probe.abi, errata: probe.errata ?? 0 } : { abi: 0, errata: 0, reason: reasonFor(probe.code) };
  return cached;
}

/** The support already probed, without probing (a filter in force might refuse the probe). */
export function knownLandlockSupport(): LandlockSupport | undefined {
  return cached;
}

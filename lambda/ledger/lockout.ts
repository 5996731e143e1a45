import type { Vendor } from '../device/types';

/** How a device locks an account: after `attempts` failed logins within `windowSeconds`. */
export interface LockoutModel {
  readonly attempts: number;
  readonly windowSeconds: number;
}

/**
 * Each vendor's default lockout. mPower: `bruteForcePrevention` is on by default in current firmware, 3 failures then a
 * 300 s lock (vendor-notes §5). The others publish no default that says otherwise: 5 failures, and a 15-minute window
 * (pam_faillock's `fail_interval` default).
 */
export const VENDOR_LOCKOUT: Readonly<Record<Vendor, LockoutModel>> = {
  'multitech-mpower': { attempts: 3, windowSeconds: 300 },
  'wso2-emm': { attempts: 5, windowSeconds: 900 },
  'oracle-sdwan-edge': { attempts: 5, windowSeconds: 900 },
  'oracle-unified-assurance': { attempts: 5, windowSeconds: 900 },
};

/** Smallest lockout a secret may declare: one automated attempt, one for a human, and the one that locks. */
export const MIN_LOCKOUT_ATTEMPTS = 3;

/** The device's lockout: the secret's own `lockout`, else its vendor's default. */
export function lockoutOf(secret: { vendor: Vendor; lockout?: LockoutModel }): LockoutModel {
  return secret.lockout ?? VENDOR_LOCKOUT[secret.vendor];
}

/**
 * Logins the rotator may have charged (refused, or of unknown outcome, or still in flight) within one window. The
 * attempt that would lock is never made, and one more is kept for a human at the device: `attempts - 2`.
 */
export function automatedBudget(model: LockoutModel): number {
  return model.attempts - 2;
}

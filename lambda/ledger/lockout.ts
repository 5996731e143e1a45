import { type Vendor, VENDOR_MODULES, vendorModule } from '../vendors';

/** How a device locks an account: after `attempts` failed logins within `windowSeconds`. */
export interface LockoutModel {
  readonly attempts: number;
  readonly windowSeconds: number;
}

/** Each vendor's default lockout (`VendorModule.lockout`), by vendor. */
export const VENDOR_LOCKOUT: Readonly<Record<Vendor, LockoutModel>> = Object.fromEntries(VENDOR_MODULES.map((module) => [module.id, module.lockout])) as Record<
  Vendor,
  LockoutModel
>;

/** Smallest lockout a secret may declare: one automated attempt, one for a human, and the one that locks. */
export const MIN_LOCKOUT_ATTEMPTS = 3;

/** The device's lockout: the secret's own `lockout`, else its vendor's default. */
export function lockoutOf(secret: { vendor: string; lockout?: LockoutModel }): LockoutModel {
  return secret.lockout ?? vendorModule(secret.vendor).lockout;
}

/**
 * Logins the rotator may have charged (refused, or of unknown outcome, or still in flight) within one window. The
 * attempt that would lock is never made, and one more is kept for a human at the device: `attempts - 2`.
 */
export function automatedBudget(model: LockoutModel): number {
  return model.attempts - 2;
}

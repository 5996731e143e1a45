import { RotatorError } from '../errors';
import { type AccountIdentity, describeAccount } from './account';
import type { LockoutModel } from './lockout';

/**
 * A login was not attempted: the failed logins already charged to this account within the device's lockout window
 * leave no room for another without coming within one attempt of the lockout. Nothing was sent to the device.
 */
export class LoginBudgetExhaustedError extends RotatorError {
  static override readonly errorName = 'LoginBudgetExhaustedError';
  declare readonly secretArn: string;
  constructor(
    secretArn: string,
    readonly account: AccountIdentity,
    readonly model: LockoutModel,
    readonly charged: number,
    /** Epoch ms after which a login fits in the budget again. */
    readonly safeAt: number,
    what: string,
    inFlight: number,
  ) {
    const budget = model.attempts - 2;
    super(
      `Secret ${secretArn}: ${what} was not attempted: the failed-login budget of ${describeAccount(account)} is spent ` +
        `(${charged} of ${budget} automated attempt${budget === 1 ? '' : 's'} used within ${model.windowSeconds} s` +
        `${inFlight > 0 ? `, ${inFlight} of them still in flight` : ''}; the device locks after ${model.attempts}, and one is kept for a human). ` +
        `Nothing was sent to the device. It is safe to try again after ${new Date(safeAt).toISOString()}; ` +
        'if the stored passwords are known to be wrong, set the device password to the AWSCURRENT value first (README "Failure table").',
      { secretArn },
    );
  }
}

/** The device said the account is locked (or was, recently): no login is attempted until the lock has passed. */
export class AccountLockedByDeviceError extends RotatorError {
  /** The same type as the device's own `AccountLockedError`: a state catches both alike. */
  static override readonly errorName = 'AccountLockedError';
  declare readonly secretArn: string;
  constructor(
    secretArn: string,
    readonly account: AccountIdentity,
    readonly lockedUntil: number,
  ) {
    super(
      `Secret ${secretArn}: the device reported ${describeAccount(account)} locked; no login is attempted before ` +
        `${new Date(lockedUntil).toISOString()}. Nothing was sent to the device. Unlock the account on the device (or wait), then try again.`,
      { secretArn },
    );
  }
}

/**
 * Errors of the rotation workflow itself (the device layer's are in `lambda/device/errors.ts`). Each `name` is the
 * error type a Step Functions state sees (`errorName`), and each message names the secret (also the `secretArn` field)
 * and says what an operator should do.
 */
import { RotatorError } from '../errors';

function triedText(tried: readonly string[]): string {
  return tried.length === 0 ? 'none was sent this time: the device refused each recently' : `tried ${tried.join(', ')}, once each`;
}

/** No stored version (AWSCURRENT, the pending one, AWSPREVIOUS) logs in to the device. Nothing more is tried. */
export class DeviceOutOfSyncError extends RotatorError {
  static override readonly errorName = 'DeviceOutOfSyncError';
  declare readonly secretArn: string;
  /** `note`: why no privileged reset was attempted, when the secret names a privileged account. */
  constructor(secretArn: string, device: string, tried: readonly string[], note?: string) {
    super(
      `Secret ${secretArn}: no stored password logs in to ${device} (${triedText(tried)}). ` +
        'The device password was changed outside this rotator. Nothing further was attempted, to avoid a lockout. ' +
        `${note === undefined ? '' : `${note} `}` +
        'Set the device password to the AWSCURRENT value (or store the device password as AWSCURRENT), then rotate again.',
      { secretArn },
    );
  }
}

/** The change request reached the device but its answer did not come back: the password may or may not have changed. */
export class ChangeOutcomeUnknownError extends RotatorError {
  static override readonly errorName = 'ChangeOutcomeUnknownError';
  declare readonly secretArn: string;
  constructor(secretArn: string, cause: Error) {
    super(`Secret ${secretArn}: ${cause.message}. The device may have changed the password; which stored version logs in is checked before anything else`, {
      secretArn,
    });
  }
}

/** A task or execution input that is not what the workflow expects. `secretArn`: when `what` names the secret. */
export class InvalidInputError extends RotatorError {
  static override readonly errorName = 'InvalidInputError';
  constructor(what: string, problems: readonly string[], secretArn?: string) {
    super(`${what}: ${problems.join('; ')}`, { secretArn });
  }
}

/** The secret is not in the state a rotation step needs (rotation disabled, token unknown or not pending, …). */
export class RotationStateError extends RotatorError {
  static override readonly errorName = 'RotationStateError';
  declare readonly secretArn: string;
  constructor(secretArn: string, what: string) {
    super(`Secret ${secretArn}: ${what}`, { secretArn });
  }
}

/**
 * No stored version logs in, but the secret names a privileged account (`privilegedSecretArn`) on a vendor whose API
 * lets an admin set another user's password: the workflow catches this one and resets the password with that account.
 * Nothing more was tried on the rotated account.
 */
export class DeviceOutOfSyncRecoverableError extends RotatorError {
  static override readonly errorName = 'DeviceOutOfSyncRecoverableError';
  declare readonly secretArn: string;
  constructor(secretArn: string, device: string, tried: readonly string[], privilegedSecretArn: string) {
    super(
      `Secret ${secretArn}: no stored password logs in to ${device} (${triedText(tried)}). ` +
        `The password is to be reset to the pending one with the privileged account of secret ${privilegedSecretArn}.`,
      { secretArn },
    );
  }
}

/**
 * A reset with the privileged account was refused before anything was sent to the device: the privileged secret is
 * missing, unreadable, invalid, or not an account of the same device; or the pending version is not the rotated account's.
 */
export class PrivilegedResetRefusedError extends RotatorError {
  static override readonly errorName = 'PrivilegedResetRefusedError';
  declare readonly secretArn: string;
  constructor(secretArn: string, privilegedSecretArn: string | undefined, what: string) {
    super(
      `Secret ${secretArn}: cannot reset the device password with the privileged account` +
        `${privilegedSecretArn === undefined ? '' : ` of secret ${privilegedSecretArn}`}: ${what}. Nothing was sent to the device.`,
      { secretArn },
    );
  }
}

/**
 * A login was sent and no usable answer came back (timed out after sending, an answer that cannot be classified): it
 * may have cost a failed login, so it is charged to the account's budget and not retried by this execution.
 */
export class LoginOutcomeUnknownError extends RotatorError {
  static override readonly errorName = 'LoginOutcomeUnknownError';
  declare readonly secretArn: string;
  constructor(secretArn: string, cause: Error) {
    super(
      `Secret ${secretArn}: ${cause.message}. The login's outcome is unknown: it was counted as a failed login against the ` +
        "account's lockout budget and not retried. Check the device's reachability and response time (a device slow to refuse " +
        'answers after the request deadline), then try again.',
      { secretArn },
    );
  }
}

/**
 * A stored version names another account, device or vendor than the rotation's (AWSCURRENT's): its password is not sent
 * anywhere, and it is not sent to AWSCURRENT's device either.
 */
export class VersionIdentityError extends RotatorError {
  static override readonly errorName = 'VersionIdentityError';
  declare readonly secretArn: string;
  constructor(secretArn: string, version: string, difference: string) {
    super(
      `Secret ${secretArn}: ${version} is for another account than AWSCURRENT (${difference}); its password is not used. ` +
        'A rotation keeps one identity (vendor, host, port, username) from start to end: to move a device or rename its ' +
        'account, write a new AWSCURRENT with no rotation pending (README "Changing a device\'s address or certificate").',
      { secretArn },
    );
  }
}

/**
 * A console `abandon` changed nothing: it could not tell which stored version the device is on (neither AWSCURRENT
 * nor the pending version logs in, the failed-login budget is spent, or a login's answer was lost). AWSCURRENT and
 * AWSPENDING stay where they are.
 */
export class AbandonRefusedError extends RotatorError {
  static override readonly errorName = 'AbandonRefusedError';
  declare readonly secretArn: string;
  constructor(secretArn: string, pendingVersion: string, why: string, whatToDo: string) {
    super(
      `Secret ${secretArn}: abandon of the pending rotation (version ${pendingVersion}) changed nothing: ${why}. ` +
        `AWSCURRENT and AWSPENDING stay where they are. ${whatToDo}`,
      { secretArn },
    );
  }
}

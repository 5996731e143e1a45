/**
 * Errors of the rotation workflow itself (the device layer's are in `lambda/device/errors.ts`). Each `name` is the
 * error type a Step Functions state sees, and each message names the secret and says what an operator should do.
 */

/** No stored version (AWSCURRENT, the pending one, AWSPREVIOUS) logs in to the device. Nothing more is tried. */
export class DeviceOutOfSyncError extends Error {
  constructor(secretArn: string, device: string, tried: readonly string[]) {
    super(
      `Secret ${secretArn}: no stored password logs in to ${device} (tried ${tried.join(', ')}, once each). ` +
        'The device password was changed outside this rotator. Nothing further was attempted, to avoid a lockout. ' +
        'Set the device password to the AWSCURRENT value (or store the device password as AWSCURRENT), then rotate again.',
    );
    this.name = 'DeviceOutOfSyncError';
  }
}

/** The change request reached the device but its answer did not come back: the password may or may not have changed. */
export class ChangeOutcomeUnknownError extends Error {
  constructor(secretArn: string, cause: Error) {
    super(`Secret ${secretArn}: ${cause.message}. The device may have changed the password; which stored version logs in is checked before anything else`);
    this.name = 'ChangeOutcomeUnknownError';
  }
}

/** A task or execution input that is not what the workflow expects. */
export class InvalidInputError extends Error {
  constructor(what: string, problems: readonly string[]) {
    super(`${what}: ${problems.join('; ')}`);
    this.name = 'InvalidInputError';
  }
}

/** The secret is not in the state a rotation step needs (rotation disabled, token unknown or not pending, …). */
export class RotationStateError extends Error {
  constructor(secretArn: string, what: string) {
    super(`Secret ${secretArn}: ${what}`);
    this.name = 'RotationStateError';
  }
}

import { RotatorError } from '../errors';

/**
 * A heartbeat found that the device refuses AWSCURRENT: the password was changed on the device outside this rotator.
 * Nothing was changed; the next rotation would fail out of sync.
 */
export class DeviceDriftError extends RotatorError {
  static override readonly errorName = 'DeviceDriftError';
  declare readonly secretArn: string;
  constructor(
    secretArn: string,
    device: string,
    /** The AWSCURRENT version the device refused. */
    readonly version: string,
    how: { notSentAgain?: boolean; pendingVersion?: string },
  ) {
    super(
      `Secret ${secretArn}: heartbeat: ${device} refuses AWSCURRENT (version ${version})` +
        `${how.notSentAgain === true ? ' (refused recently, so not sent again: the device ledger remembers the refusal)' : ''}. ` +
        'Someone changed the password on the device: set it back to AWSCURRENT or store the device\'s real password as AWSCURRENT, then verify. ' +
        (how.pendingVersion === undefined
          ? 'Nothing was changed.'
          : `A rotation is pending (version ${how.pendingVersion}) and the device may be on it: run the console "abandon" action first. Nothing was changed.`),
      { secretArn },
    );
  }
}

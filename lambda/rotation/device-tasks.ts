import * as z from '../validation/zod';
import { AuthenticationFailedError, DeviceUnreachableError } from '../device/errors';
import type { DeviceClient } from '../device/types';
import { AWSCURRENT, AWSPREVIOUS, describeSecret, readDeviceSecret, requireDeviceSecret, type VersionRef } from '../aws/secret-versions';
import type { DeviceSecret } from '../secret/device-secret';
import {
  ChangeOutcomeUnknownError,
  DeviceOutOfSyncError,
  DeviceOutOfSyncRecoverableError,
  InvalidInputError,
  PrivilegedResetRefusedError,
  RotationStateError,
} from './errors';
import { secretArnField as secretArn, tokenField as token } from './task-input';

/** Makes the vendor's client for a device secret (the secret may carry vendor settings, e.g. WSO2's OAuth client). */
export type ClientFactory = (secret: DeviceSecret) => DeviceClient;

/** Where a stored version sits: the state machine carries these names, never a password. */
export type Located = 'current' | 'pending' | 'previous';

export const changeInput = z.object({ operation: z.literal('change'), secretArn, token });
export const resetInput = z.object({ operation: z.literal('reset'), secretArn, token });
export const verifyInput = z.object({ operation: z.literal('verify'), secretArn, token: z.optional(token), stage: z.enum(['pending', 'current']) });

export function refOf(located: Located, pendingToken: string | undefined): VersionRef {
  if (located === 'pending') {
    if (pendingToken === undefined) throw new InvalidInputError('pending version', ['a token is needed to read the pending version']);
    return { token: pendingToken };
  }
  return { stage: located === 'current' ? AWSCURRENT : AWSPREVIOUS };
}

/** Same device: host (case-insensitive, as DNS names are) and port (443 when not given). */
function sameHost(a: DeviceSecret, b: DeviceSecret): boolean {
  return a.host.toLowerCase() === b.host.toLowerCase() && (a.port ?? 443) === (b.port ?? 443);
}

function deviceName(secret: DeviceSecret): string {
  return `${secret.vendor} device ${secret.host}${secret.port === undefined ? '' : `:${secret.port}`}`;
}

/**
 * Runs a device call that may change the device. A failure after the request went out may hide a change, so it becomes
 * `ChangeOutcomeUnknownError`: the workflow must find out which password works before it acts again.
 */
export async function mayChangeDevice<T>(secretArnValue: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw error instanceof DeviceUnreachableError && error.requestSent ? new ChangeOutcomeUnknownError(secretArnValue, error) : error;
  }
}

/**
 * The device work every vendor shares: find which stored version logs in, change the password, verify a version.
 * Each reads what it needs from Secrets Manager itself; inputs and outputs carry references only.
 */
export class DeviceTasks {
  constructor(private readonly clientFor: ClientFactory) {}

  /**
   * Finds which stored version logs in now and acts with it. AWSCURRENT first (the usual case, so a normal rotation
   * costs no failed login), then the pending version (a change that already happened), then AWSPREVIOUS: one login
   * per distinct password, stopping at the first accepted. For AWSCURRENT and AWSPREVIOUS the login that answers the
   * question is `act`'s own (e.g. the change's), so the happy path logs in once; `act` must throw
   * `AuthenticationFailedError` only when that login is refused, before it changed anything. The pending version is
   * checked with a plain login: the change already happened, there is nothing more to do.
   * None logs in: `DeviceOutOfSyncError`, and nothing further is tried; or, when the secret names a privileged account
   * on a vendor that can reset another user's password, `DeviceOutOfSyncRecoverableError`, which the workflow catches
   * to run `reset`.
   */
  async locate<T>(
    input: { secretArn: string; token: string },
    act: (from: DeviceSecret, pending: DeviceSecret) => Promise<T>,
  ): Promise<{ located: 'pending' } | { located: 'current' | 'previous'; result: T }> {
    const [current, pending] = await Promise.all([
      requireDeviceSecret(input.secretArn, { stage: AWSCURRENT }),
      readDeviceSecret(input.secretArn, { token: input.token }, { retryMissing: true }),
    ]);
    if (pending === undefined) {
      // A rotation always has its pending value before the device work (createSecret, or a console rotate's prepare).
      throw new RotationStateError(
        input.secretArn,
        `token ${input.token} is not a pending version of the secret (no AWSPENDING version with a value has that id); nothing was tried on the device`,
      );
    }
    const candidates: Array<[Located, string, () => Promise<DeviceSecret | undefined>]> = [
      ['current', AWSCURRENT, async () => current],
      ['pending', 'the pending version', async () => pending],
      ['previous', AWSPREVIOUS, () => readDeviceSecret(input.secretArn, { stage: AWSPREVIOUS })],
    ];
    const client = this.clientFor(current);
    const triedPasswords = new Set<string>();
    const tried: string[] = [];
    for (const [located, label, read] of candidates) {
      const version = await read();
      if (version === undefined || triedPasswords.has(version.password)) continue;
      triedPasswords.add(version.password);
      tried.push(label);
      if (located === 'pending') {
        const outcome = await client.verifyLogin({ username: current.username, password: version.password });
        if (outcome.status === 'accepted') return { located };
        if (outcome.status !== 'rejected') throw outcome.error;
        continue;
      }
      try {
        return { located, result: await act(version, pending) };
      } catch (error) {
        if (!(error instanceof AuthenticationFailedError)) throw error;
      }
    }
    const privileged = current.privilegedSecretArn;
    if (privileged === undefined) throw new DeviceOutOfSyncError(input.secretArn, deviceName(current), tried);
    if (typeof client.resetPassword !== 'function') {
      throw new DeviceOutOfSyncError(
        input.secretArn,
        deviceName(current),
        tried,
        `The secret names a privileged account (${privileged}), but vendor ${current.vendor} cannot reset another user's password, so no reset was attempted.`,
      );
    }
    throw new DeviceOutOfSyncRecoverableError(input.secretArn, deviceName(current), tried, privileged);
  }

  /**
   * Out-of-sync recovery: the privileged account named by the secret (`privilegedSecretArn`) sets the rotated
   * account's password to the pending one, without its current password. One login, as the admin only; the rotated
   * account is not tried again here. Guards first, as the reference "alternating users" rotation does with its master
   * secret, so that a secret cannot lend the admin's credentials to another device or another account (confused
   * deputy): the privileged secret must be another valid device secret of the same vendor, host and port, for another
   * user; the pending version must be the rotated account on that same device; and the admin's password only goes to
   * the endpoint (and TLS trust) its own secret describes. Any refusal happens before anything is sent.
   */
  async reset(input: z.infer<typeof resetInput>): Promise<{ reset: true }> {
    const current = await requireDeviceSecret(input.secretArn, { stage: AWSCURRENT });
    const pending = await requireDeviceSecret(input.secretArn, { token: input.token }, { retryMissing: true });
    const privilegedArn = current.privilegedSecretArn;
    const refuse = (what: string) => new PrivilegedResetRefusedError(input.secretArn, privilegedArn, what);
    if (privilegedArn === undefined) throw refuse('the secret names no privileged account (privilegedSecretArn)');
    if (pending.vendor !== current.vendor || !sameHost(pending, current) || pending.username !== current.username) {
      throw refuse('the pending version is not the same account on the same device as AWSCURRENT (vendor, host, port and username must match)');
    }
    let admin: DeviceSecret;
    try {
      const [target, privileged] = await Promise.all([describeSecret(input.secretArn), describeSecret(privilegedArn)]);
      if (privileged.arn === target.arn) throw refuse('it is the rotated secret itself; name a secret holding an admin account');
      admin = await requireDeviceSecret(privileged.arn, { stage: AWSCURRENT });
    } catch (error) {
      if (error instanceof PrivilegedResetRefusedError) throw error;
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw refuse(
        `its AWSCURRENT version cannot be read as a device secret (${reason}); it must be a device secret the device functions may read (privilegedSecretArns)`,
      );
    }
    if (admin.vendor !== current.vendor || !sameHost(admin, current)) {
      throw refuse(
        `it is an account of ${deviceName(admin)}, not of ${deviceName(current)}: a privileged secret must be of the same vendor, host and port`,
      );
    }
    if (admin.username === current.username) {
      throw refuse(`it holds the same account (${current.username}) as the rotated secret; it must hold another, admin, account`);
    }
    const client = this.clientFor(admin);
    if (typeof client.resetPassword !== 'function') throw refuse(`vendor ${current.vendor} cannot reset another user's password`);
    const reset = client.resetPassword.bind(client);
    await mayChangeDevice(input.secretArn, () =>
      reset({ admin: { username: admin.username, password: admin.password }, username: current.username, newPassword: pending.password }),
    );
    return { reset: true };
  }

  /**
   * Changes the device password to the pending one, from whichever stored version logs in (`locate`): its login is the
   * change's own. Already on the pending one (a change that happened, its answer lost): nothing is changed.
   */
  async change(input: z.infer<typeof changeInput>): Promise<{ located: Located; changed: boolean }> {
    const found = await this.locate(input, (from, pending) =>
      mayChangeDevice(input.secretArn, () =>
        this.clientFor(from).changePassword({ username: from.username, currentPassword: from.password, newPassword: pending.password }),
      ),
    );
    return { located: found.located, changed: found.located !== 'pending' };
  }

  /** Logs in with one version; anything but "accepted" fails, typed. Changes nothing. */
  async verify(input: z.infer<typeof verifyInput>): Promise<{ verified: true; stage: 'pending' | 'current' }> {
    const version = await requireDeviceSecret(input.secretArn, refOf(input.stage, input.token), { retryMissing: input.stage === 'pending' });
    const outcome = await this.clientFor(version).verifyLogin({ username: version.username, password: version.password });
    if (outcome.status !== 'accepted') throw outcome.error;
    return { verified: true, stage: input.stage };
  }
}

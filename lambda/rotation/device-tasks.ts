import * as z from '../validation/zod';
import { AuthenticationFailedError, DeviceError, DeviceUnreachableError } from '../device/errors';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../device/http';
import { loginCostOf, statesItsCause } from '../device/outcome';
import type { DeviceClient, LoginOutcome } from '../device/types';
import {
  AWSCURRENT,
  AWSPREVIOUS,
  type DeviceVersion,
  describeSecret,
  readDeviceVersion,
  requireDeviceVersion,
  type VersionRef,
} from '../aws/secret-versions';
import { accountOf, describeAccount, identityDifference } from '../ledger/account';
import { AccountLogins } from '../ledger/account-logins';
import type { DeviceLedger } from '../ledger/device-ledger';
import { lockoutOf } from '../ledger/lockout';
import { type DeviceSecret, withPassword } from '../secret/device-secret';
import {
  ChangeOutcomeUnknownError,
  DeviceOutOfSyncError,
  DeviceOutOfSyncRecoverableError,
  InvalidInputError,
  LoginOutcomeUnknownError,
  PrivilegedResetRefusedError,
  RotationStateError,
  VersionIdentityError,
} from './errors';
import { secretArnField as secretArn, tokenField as token } from './task-input';

/** Makes the vendor's client for a device secret (the secret may carry vendor settings, e.g. an OAuth client). */
export type ClientFactory = (secret: DeviceSecret) => DeviceClient;

/** Where a stored version sits: the state machine carries these names, never a password. */
export type Located = 'current' | 'pending' | 'previous';

const execution = z.optional(z.string().check(z.minLength(1)));
export const changeInput = z.object({ operation: z.literal('change'), secretArn, token, execution });
export const resetInput = z.object({ operation: z.literal('reset'), secretArn, token, execution });
export const verifyInput = z.object({ operation: z.literal('verify'), secretArn, token: z.optional(token), stage: z.enum(['pending', 'current']), execution });

export function refOf(located: Located, pendingToken: string | undefined): VersionRef {
  if (located === 'pending') {
    if (pendingToken === undefined) throw new InvalidInputError('pending version', ['a token is needed to read the pending version']);
    return { token: pendingToken };
  }
  return { stage: located === 'current' ? AWSCURRENT : AWSPREVIOUS };
}

function deviceName(secret: DeviceSecret): string {
  return `${secret.vendor} device ${secret.host}${secret.port === undefined ? '' : `:${secret.port}`}`;
}

const LABELS: Record<Located, string> = { current: AWSCURRENT, pending: 'the pending version', previous: AWSPREVIOUS };

/**
 * Turns what a device call that may change the device threw into what the workflow routes on. A failure after the
 * request went out may hide a change: `ChangeOutcomeUnknownError`, so the workflow finds out which password works
 * before it acts again. A login sent without a usable answer: `LoginOutcomeUnknownError` (charged, not retried).
 */
export function afterDeviceCall(secretArnValue: string, error: unknown): unknown {
  if (error instanceof DeviceError && error.duringLogin && loginCostOf(error) === 'unknown' && !statesItsCause(error)) {
    return new LoginOutcomeUnknownError(secretArnValue, error);
  }
  if (error instanceof DeviceUnreachableError && error.requestSent) return new ChangeOutcomeUnknownError(secretArnValue, error);
  return error;
}

export async function mayChangeDevice<T>(secretArnValue: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw afterDeviceCall(secretArnValue, error);
  }
}

/** What a task needs besides the device client: the ledger, and which privileged secrets the deployment configured. */
export interface DeviceTaskSettings {
  readonly ledger: () => DeviceLedger;
  /** ARNs (or partial ARNs, without the 6-character suffix) of the secrets configured as privileged accounts. */
  readonly privilegedSecrets: () => readonly string[];
  /** With enrollment by tag: the tag whose value (a vendor) makes a secret a privileged account of that vendor. */
  readonly privilegedTagKey?: () => string | undefined;
}

/** The rotation's identity (AWSCURRENT's account, device, vendor and TLS trust) with another version's password. */
function withIdentityOf(current: DeviceVersion, version: DeviceVersion): DeviceSecret {
  return withPassword(current.secret, version.secret.password);
}

/**
 * The device work every vendor shares: find which stored version logs in, change the password, verify a version.
 * Each reads what it needs from Secrets Manager itself; inputs and outputs carry references only. One identity per
 * rotation: vendor, host, port, username and TLS settings always come from AWSCURRENT; other versions contribute only
 * their password, and one that names another account is refused. Every login goes through the device ledger.
 */
export class DeviceTasks {
  constructor(
    private readonly clientFor: ClientFactory,
    private readonly settings: DeviceTaskSettings,
  ) {}

  /** The logins of AWSCURRENT's account, charged to its lockout budget. */
  loginsOf(secretArnValue: string, current: DeviceSecret, by: string | undefined, client: DeviceClient): AccountLogins {
    // A request that timed out may still reach the device up to about one more deadline later.
    const lateMs = 2 * (client.endpoint.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    return new AccountLogins(this.settings.ledger(), secretArnValue, accountOf(current), lockoutOf(current), by ?? 'an unnamed caller', lateMs);
  }

  /** A version that must be the same account as AWSCURRENT. */
  requireSameAccount(secretArnValue: string, current: DeviceVersion, version: DeviceVersion, label: string): void {
    const difference = identityDifference(accountOf(current.secret), accountOf(version.secret));
    if (difference !== undefined) throw new VersionIdentityError(secretArnValue, `${label} (version ${version.versionId})`, difference);
  }

  /**
   * Finds which stored version logs in now and acts with it. AWSCURRENT first (the usual case, so a normal rotation
   * costs no failed login), then the pending version (a change that already happened), then AWSPREVIOUS: one login
   * per distinct password, stopping at the first accepted, each reserved in the ledger first. A version the device
   * refused recently is not sent again. For AWSCURRENT and AWSPREVIOUS the login that answers the question is `act`'s
   * own (e.g. the change's), so the happy path logs in once; `act` gets the rotation's identity with that version's
   * password. The pending version is checked with a plain login: the change already happened.
   * None logs in: `DeviceOutOfSyncError`, and nothing further is tried; or, when the secret names a privileged account
   * on a vendor that can reset another user's password, `DeviceOutOfSyncRecoverableError`.
   */
  async locate<T>(
    input: { secretArn: string; token: string; execution?: string },
    act: (from: DeviceSecret, pending: DeviceSecret) => Promise<T>,
    options: { actChanges: boolean },
  ): Promise<{ located: 'pending' } | { located: 'current' | 'previous'; result: T }> {
    const [current, pending] = await Promise.all([
      requireDeviceVersion(input.secretArn, { stage: AWSCURRENT }),
      readDeviceVersion(input.secretArn, { token: input.token }, { retryMissing: true }),
    ]);
    if (pending === undefined) {
      // A rotation always has its pending value before the device work (createSecret, or a console rotate's prepare).
      throw new RotationStateError(
        input.secretArn,
        `token ${input.token} is not a pending version of the secret (no AWSPENDING version with a value has that id); nothing was tried on the device`,
      );
    }
    this.requireSameAccount(input.secretArn, current, pending, 'the pending version');
    if (pending.secret.password === current.secret.password && pending.versionId !== current.versionId) {
      throw new RotationStateError(
        input.secretArn,
        `the pending version ${pending.versionId} holds the same password as AWSCURRENT, so rotating to it would change nothing; nothing was tried on the device. ` +
          'Remove its AWSPENDING label, then rotate again',
      );
    }
    const client = this.clientFor(current.secret);
    const logins = this.loginsOf(input.secretArn, current.secret, input.execution, client);
    const { refused, changeSentTo } = await logins.searchState();
    const candidates: Array<[Located, () => Promise<DeviceVersion | undefined>]> = [
      ['current', async () => current],
      ['pending', async () => pending],
      ['previous', () => readDeviceVersion(input.secretArn, { stage: AWSPREVIOUS })],
    ];
    // A change to this pending version may have been sent (its answer lost, or the execution ended before the answer
    // was read): the device is most likely on it, so it is tried first and the usual case costs no failed login.
    if (changeSentTo === pending.versionId) candidates.unshift(candidates.splice(1, 1)[0]);
    const triedPasswords = new Set<string>();
    const tried: string[] = [];
    const notes: string[] = [];
    for (const [located, read] of candidates) {
      const version = await read();
      if (version === undefined || triedPasswords.has(version.secret.password)) continue;
      triedPasswords.add(version.secret.password);
      const label = LABELS[located];
      const difference = identityDifference(accountOf(current.secret), accountOf(version.secret));
      if (difference !== undefined) {
        notes.push(`${label} (version ${version.versionId}) was not tried: it is for another account (${difference})`);
        continue;
      }
      if (refused.has(version.versionId)) {
        notes.push(`${label} was not sent again: the device refused it recently (device ledger)`);
        continue;
      }
      tried.push(label);
      const spend = { what: `login with ${label}`, version: version.versionId };
      if (located === 'pending') {
        const outcome = await logins.verify(spend, () => client.verifyLogin({ username: current.secret.username, password: version.secret.password }));
        if (outcome.status === 'accepted') return { located };
        if (outcome.status !== 'rejected') throw this.failedLogin(input.secretArn, outcome);
        continue;
      }
      if (options.actChanges) await logins.noteChangeSent(pending.versionId);
      try {
        return { located, result: await logins.call(spend, () => act(withIdentityOf(current, version), pending.secret)) };
      } catch (error) {
        const routed = afterDeviceCall(input.secretArn, error);
        if (options.actChanges && !mayHaveChanged(routed)) await logins.clearChangeSent(pending.versionId);
        if (!(error instanceof AuthenticationFailedError)) throw routed;
      }
    }
    const note = notes.length > 0 ? `${notes.join('; ')}.` : undefined;
    const privileged = current.secret.privilegedSecretArn;
    if (privileged === undefined) throw new DeviceOutOfSyncError(input.secretArn, deviceName(current.secret), tried, note);
    if (typeof client.resetPassword !== 'function') {
      throw new DeviceOutOfSyncError(
        input.secretArn,
        deviceName(current.secret),
        tried,
        `${note ?? ''} The secret names a privileged account (${privileged}), but vendor ${current.secret.vendor} cannot reset another user's password, so no reset was attempted.`.trim(),
      );
    }
    throw new DeviceOutOfSyncRecoverableError(input.secretArn, deviceName(current.secret), tried, privileged);
  }

  /** A login outcome other than accepted or rejected, as the error the workflow routes on. */
  private failedLogin(secretArnValue: string, outcome: Exclude<LoginOutcome, { status: 'accepted' }>): Error {
    return outcome.status === 'unknown' && !statesItsCause(outcome.error) ? new LoginOutcomeUnknownError(secretArnValue, outcome.error) : outcome.error;
  }

  /**
   * Out-of-sync recovery: the privileged account named by the secret (`privilegedSecretArn`) sets the rotated
   * account's password to the pending one, without its current password. One login, as the admin only, charged to the
   * admin account's budget. Guards first, so that a secret's writer cannot borrow the admin's privilege (confused
   * deputy): the privileged secret must be one the deployment configured as privileged; it must name the rotated
   * account in its `resetAccounts`; it must be another valid device secret of the same vendor, host and port, for
   * another user; and the admin's password only goes to the endpoint (and TLS trust) its own secret describes. Any
   * refusal happens before anything is sent.
   */
  async reset(input: z.infer<typeof resetInput>): Promise<{ reset: true }> {
    const current = await requireDeviceVersion(input.secretArn, { stage: AWSCURRENT });
    const pending = await requireDeviceVersion(input.secretArn, { token: input.token }, { retryMissing: true });
    const privilegedArn = current.secret.privilegedSecretArn;
    const refuse = (what: string) => new PrivilegedResetRefusedError(input.secretArn, privilegedArn, what);
    if (privilegedArn === undefined) throw refuse('the secret names no privileged account (privilegedSecretArn)');
    this.requireSameAccount(input.secretArn, current, pending, 'the pending version');
    let admin: DeviceSecret;
    try {
      const [target, privileged] = await Promise.all([describeSecret(input.secretArn), describeSecret(privilegedArn)]);
      if (privileged.arn === target.arn) throw refuse('it is the rotated secret itself; name a secret holding an admin account');
      const tagKey = this.settings.privilegedTagKey?.();
      const taggedPrivileged = tagKey !== undefined && privileged.tags[tagKey] === current.secret.vendor;
      if (!taggedPrivileged && !isConfigured(privileged.arn, this.settings.privilegedSecrets())) {
        throw refuse('it is not configured as a privileged secret of this deployment (construct prop privilegedSecrets, or its privileged tag)');
      }
      admin = (await requireDeviceVersion(privileged.arn, { stage: AWSCURRENT })).secret;
    } catch (error) {
      if (error instanceof PrivilegedResetRefusedError) throw error;
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw refuse(
        `its AWSCURRENT version cannot be read as a device secret (${reason}); it must be a device secret the device functions may read (privilegedSecrets)`,
      );
    }
    if (admin.vendor !== current.secret.vendor || accountOf(admin).host !== accountOf(current.secret).host || accountOf(admin).port !== accountOf(current.secret).port) {
      throw refuse(
        `it is an account of ${deviceName(admin)}, not of ${deviceName(current.secret)}: a privileged secret must be of the same vendor, host and port`,
      );
    }
    if (admin.username === current.secret.username) {
      throw refuse(`it holds the same account (${current.secret.username}) as the rotated secret; it must hold another, admin, account`);
    }
    if (!(admin.resetAccounts ?? []).includes(current.secret.username)) {
      throw refuse(
        `it does not name account "${current.secret.username}" in its resetAccounts, so it may not reset it; ` +
          'list every account a privileged secret may reset, by name (admin accounts included)',
      );
    }
    const client = this.clientFor(admin);
    if (typeof client.resetPassword !== 'function') throw refuse(`vendor ${current.secret.vendor} cannot reset another user's password`);
    const reset = client.resetPassword.bind(client);
    const adminLogins = this.loginsOf(privilegedArn, admin, input.execution, client);
    await this.loginsOf(input.secretArn, current.secret, input.execution, client).noteChangeSent(pending.versionId);
    await mayChangeDevice(input.secretArn, () =>
      adminLogins.call({ what: `privileged reset of ${describeAccount(accountOf(current.secret))}` }, () =>
        reset({ admin: { username: admin.username, password: admin.password }, username: current.secret.username, newPassword: pending.secret.password }),
      ),
    );
    return { reset: true };
  }

  /**
   * Changes the device password to the pending one, from whichever stored version logs in (`locate`): its login is the
   * change's own. Already on the pending one (a change that happened, its answer lost): nothing is changed.
   */
  async change(input: z.infer<typeof changeInput>): Promise<{ located: Located; changed: boolean }> {
    const found = await this.locate(
      input,
      (from, pending) => this.clientFor(from).changePassword({ username: from.username, currentPassword: from.password, newPassword: pending.password }),
      { actChanges: true },
    );
    return { located: found.located, changed: found.located !== 'pending' };
  }

  /**
   * Logs in with one version, with the rotation's identity (AWSCURRENT's device, account and TLS trust); anything but
   * "accepted" fails, typed. Changes nothing. Charged to the account's budget like every login.
   */
  async verify(input: z.infer<typeof verifyInput>): Promise<{ verified: true; stage: 'pending' | 'current' }> {
    const current = await requireDeviceVersion(input.secretArn, { stage: AWSCURRENT });
    const version = input.stage === 'pending' ? await requireDeviceVersion(input.secretArn, refOf('pending', input.token), { retryMissing: true }) : current;
    this.requireSameAccount(input.secretArn, current, version, LABELS[input.stage]);
    const client = this.clientFor(current.secret);
    const logins = this.loginsOf(input.secretArn, current.secret, input.execution, client);
    const outcome = await logins.verify({ what: `login with ${LABELS[input.stage]}`, version: version.versionId }, () =>
      client.verifyLogin({ username: current.secret.username, password: version.secret.password }),
    );
    if (outcome.status !== 'accepted') throw this.failedLogin(input.secretArn, outcome);
    return { verified: true, stage: input.stage };
  }
}

/**
 * Whether a failed change may still have happened: its answer was lost (`ChangeOutcomeUnknownError`), or its login's
 * answer was (`LoginOutcomeUnknownError`), or the failure is not the device's (a crash, a bug). A device's own answer
 * (refused, session expired, rejected) says it did not.
 */
export function mayHaveChanged(error: unknown): boolean {
  if (error instanceof ChangeOutcomeUnknownError || error instanceof LoginOutcomeUnknownError) return true;
  return !(error instanceof DeviceError);
}

/** Whether a secret (full ARN) is one of the configured privileged secrets, given by ARN or by partial ARN. */
export function isConfigured(arn: string, configured: readonly string[]): boolean {
  return configured.some((entry) => entry === arn || (arn.startsWith(`${entry}-`) && arn.length === entry.length + 7));
}

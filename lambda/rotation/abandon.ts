import { UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import * as z from '../validation/zod';
import { secretsManager } from '../aws/secrets-manager-client';
import { AWSCURRENT, AWSPENDING, type DeviceVersion, describeSecret, readDeviceVersion, requireDeviceSecret, requireDeviceVersion, versionWithStage } from '../aws/secret-versions';
import { AccountLockedError } from '../device/errors';
import { accountOf, identityDifference } from '../ledger/account';
import { AccountLockedByDeviceError, LoginBudgetExhaustedError } from '../ledger/errors';
import { takeDeviceLease } from './device-lease';
import type { ClientFactory, DeviceTasks } from './device-tasks';
import { AbandonRefusedError } from './errors';
import { finishRotation, type LeaseSettings } from './rotation-steps';
import { secretArnField as secretArn, tokenField as token } from './task-input';

/**
 * Console `abandon` of a stuck rotation, in three tasks: `abandon-start` (rotation function: is a rotation pending?
 * take the account's lease), `abandon-locate` (device function: which stored version is the device on, within the
 * budget), `abandon-settle` (rotation function: move the labels accordingly, give the lease back). Nothing is ever
 * changed on the device, and the labels move only to a version the device was just seen to accept.
 */
export type AbandonOutcome = 'finished' | 'pending-removed' | 'nothing-to-abandon';

const execution = z.string().check(z.minLength(1));
export const abandonStartInput = z.object({ operation: z.literal('abandon-start'), secretArn, execution });
export const abandonLocateInput = z.object({ operation: z.literal('abandon-locate'), secretArn, token, execution: z.optional(execution) });
export const abandonSettleInput = z.object({ operation: z.literal('abandon-settle'), secretArn, token, onDevice: z.enum(['pending', 'current']), execution });

/** The pending version of the secret, if a rotation is pending (AWSPENDING on a version other than AWSCURRENT). */
async function pendingOf(secretArnValue: string): Promise<{ pending?: string; current?: string }> {
  const description = await describeSecret(secretArnValue);
  const current = versionWithStage(description, AWSCURRENT);
  const pending = versionWithStage(description, AWSPENDING);
  return { current, pending: pending !== undefined && pending !== current ? pending : undefined };
}

/**
 * Is a rotation pending? If so, the account's lease is taken (so no rotation runs meanwhile: `RotationInProgressError`
 * while one does) and the pending version is read again under it.
 */
export async function startAbandon(
  input: z.infer<typeof abandonStartInput>,
  lease: LeaseSettings,
): Promise<{ abandon: false; outcome: 'nothing-to-abandon'; currentVersion?: string } | { abandon: true; token: string; currentVersion?: string }> {
  const first = await pendingOf(input.secretArn);
  if (first.pending === undefined) return { abandon: false, outcome: 'nothing-to-abandon', currentVersion: first.current };
  const current = await requireDeviceSecret(input.secretArn, { stage: AWSCURRENT });
  await takeDeviceLease({ ledger: lease.ledger, secretArn: input.secretArn, account: accountOf(current), executionArn: input.execution, leaseMs: lease.leaseMs });
  const { pending, current: currentVersion } = await pendingOf(input.secretArn);
  if (pending === undefined) {
    // The rotation ended before the lease was ours.
    await lease.ledger.releaseLease(accountOf(current), input.execution);
    return { abandon: false, outcome: 'nothing-to-abandon', currentVersion };
  }
  return { abandon: true, token: pending, currentVersion };
}

/**
 * Which stored version the device is on: AWSCURRENT and the pending version, each logged in with at most once, within
 * the account's budget. The pending version first when the ledger notes a change to it may have been sent, and a
 * version the device refused recently last (an operator may have fixed the device since: each is still tried once).
 * A pending version of another account cannot be on this device and is not sent. Anything but an accepted login on
 * one of them: `AbandonRefusedError`, and nothing is changed.
 */
export async function locateForAbandon(tasks: DeviceTasks, clientFor: ClientFactory, input: z.infer<typeof abandonLocateInput>): Promise<{ onDevice: 'pending' | 'current'; version: string }> {
  const [current, pending] = await Promise.all([
    requireDeviceVersion(input.secretArn, { stage: AWSCURRENT }),
    readDeviceVersion(input.secretArn, { token: input.token }, { retryMissing: true }),
  ]);
  const client = clientFor(current.secret);
  const logins = tasks.loginsOf(input.secretArn, current.secret, input.execution, client);
  const { refused, changeSentTo } = await logins.searchState();
  const notes: string[] = [];
  let candidates: Array<['current' | 'pending', DeviceVersion]> = [['current', current]];
  if (pending === undefined) notes.push('the pending version has no value, so the device cannot be on it');
  else if (identityDifference(accountOf(current.secret), accountOf(pending.secret)) !== undefined) notes.push('the pending version is for another account, so it was not sent');
  else if (pending.secret.password !== current.secret.password) candidates.push(['pending', pending]);
  if (changeSentTo !== undefined && changeSentTo === pending?.versionId) candidates.reverse();
  candidates = [...candidates.filter(([, v]) => !refused.has(v.versionId)), ...candidates.filter(([, v]) => refused.has(v.versionId))];
  const refuse = (why: string, whatToDo: string) => new AbandonRefusedError(input.secretArn, input.token, why, whatToDo);
  const tried: string[] = [];
  for (const [located, version] of candidates) {
    const label = located === 'current' ? 'AWSCURRENT' : 'the pending version';
    let outcome;
    try {
      outcome = await logins.verify({ what: `abandon: login with ${label}`, version: version.versionId }, () =>
        client.verifyLogin({ username: current.secret.username, password: version.secret.password }),
      );
    } catch (error) {
      if (error instanceof LoginBudgetExhaustedError) throw refuse(`the failed-login budget is spent (${error.message})`, `Start abandon again after ${new Date(error.safeAt).toISOString()}.`);
      if (error instanceof AccountLockedByDeviceError) throw refuse(error.message, 'Unlock the account on the device (or wait), then start abandon again.');
      throw error;
    }
    if (outcome.status === 'accepted') {
      if (located === 'current' && changeSentTo === pending?.versionId && pending !== undefined) await logins.clearChangeSent(pending.versionId);
      return { onDevice: located, version: version.versionId };
    }
    if (outcome.status === 'rejected') {
      tried.push(label);
      continue;
    }
    // Never sent (unreachable before the login): the workflow's transport retry tries again at no cost.
    if (outcome.status === 'unavailable') throw outcome.error;
    if (outcome.status === 'locked' || outcome.error instanceof AccountLockedError) throw refuse(`the device says the account is locked (${outcome.error.message})`, 'Unlock the account on the device (or wait), then start abandon again.');
    throw refuse(
      `the login with ${label} got no usable answer (${outcome.error.message}); it was counted as a failed login`,
      'Check the device\'s reachability and response time, then start abandon again.',
    );
  }
  throw refuse(
    `neither stored version logs in (${tried.length === 0 ? 'none was tried' : `refused: ${tried.join(', ')}`}${notes.length > 0 ? `; ${notes.join('; ')}` : ''})`,
    'Someone changed the password on the device: set it to AWSCURRENT (or store the device\'s real password as AWSCURRENT), then start abandon again.',
  );
}

/**
 * Moves the labels to where the device is, as a finished rotation (`finishRotation`, as finishSecret moves them:
 * AWSCURRENT to the pending version, AWSPREVIOUS to the old one) or an abandoned one (AWSPENDING removed from the
 * pending version), then gives the account's lease back. Running it again changes nothing more.
 */
export async function settleAbandon(
  input: z.infer<typeof abandonSettleInput>,
  lease: LeaseSettings,
): Promise<{ outcome: AbandonOutcome; pendingVersion: string; currentVersion?: string; previousVersion?: string }> {
  const before = await describeSecret(input.secretArn);
  let outcome: AbandonOutcome;
  if (input.onDevice === 'pending') {
    await finishRotation(input.secretArn, input.token);
    outcome = 'finished';
  } else {
    if (before.versionStages[input.token]?.includes(AWSPENDING)) {
      await secretsManager().send(new UpdateSecretVersionStageCommand({ SecretId: before.arn, VersionStage: AWSPENDING, RemoveFromVersionId: input.token }));
    }
    outcome = 'pending-removed';
  }
  const after = await describeSecret(input.secretArn);
  const current = await requireDeviceSecret(input.secretArn, { stage: AWSCURRENT });
  await lease.ledger.releaseLease(accountOf(current), input.execution);
  const previousVersion = versionWithStage(after, 'AWSPREVIOUS');
  return { outcome, pendingVersion: input.token, currentVersion: versionWithStage(after, AWSCURRENT), ...(previousVersion === undefined ? {} : { previousVersion }) };
}

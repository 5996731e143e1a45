import { z } from 'zod';
import { DeviceUnreachableError } from '../device/errors';
import type { DeviceClient } from '../device/types';
import { AWSCURRENT, AWSPREVIOUS, readDeviceSecret, requireDeviceSecret, type VersionRef } from '../aws/secret-versions';
import type { DeviceSecret } from '../secret/device-secret';
import { ChangeOutcomeUnknownError, DeviceOutOfSyncError, InvalidInputError } from './errors';

/** Makes the vendor's client for a device secret (the secret may carry vendor settings, e.g. WSO2's OAuth client). */
export type ClientFactory = (secret: DeviceSecret) => DeviceClient;

/** Where a stored version sits: the state machine carries these names, never a password. */
export type Located = 'current' | 'pending' | 'previous';

const secretArn = z.string().regex(/^arn:aws[a-z-]*:secretsmanager:/, { message: 'must be a Secrets Manager secret ARN' });
const token = z.string().min(32).max(64);

export const probeInput = z.object({ operation: z.literal('probe'), secretArn, token: token.optional() });
export const changeInput = z.object({ operation: z.literal('change'), secretArn, token, from: z.enum(['current', 'previous']) });
export const verifyInput = z.object({ operation: z.literal('verify'), secretArn, token: token.optional(), stage: z.enum(['pending', 'current']) });

/** Parses a task input, or fails with an error that names every field at fault. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidInputError(
    what,
    result.error.issues.map((issue) => `${issue.path.length > 0 ? `"${issue.path.join('.')}"` : 'input'} ${issue.message}`),
  );
}

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

/** A device call lost after the request went out may have changed the password: the workflow must look before it acts. */
export function outcomeUnknownIfSent(error: unknown, secretArnValue: string): unknown {
  return error instanceof DeviceUnreachableError && error.requestSent ? new ChangeOutcomeUnknownError(secretArnValue, error) : error;
}

/**
 * The device work every vendor shares: find which stored version logs in, change the password, verify a version.
 * Each reads what it needs from Secrets Manager itself; inputs and outputs carry references only.
 */
export class DeviceTasks {
  constructor(private readonly clientFor: ClientFactory) {}

  /**
   * Which stored version logs in now: AWSCURRENT first (the usual case, so a normal rotation costs no failed login),
   * then the pending version (a change that already happened), then AWSPREVIOUS. One attempt per distinct password,
   * and it stops at the first that works. None: `DeviceOutOfSyncError`, and nothing further is tried.
   */
  async probe(input: z.infer<typeof probeInput>): Promise<{ located: Located }> {
    const current = await requireDeviceSecret(input.secretArn, { stage: AWSCURRENT });
    const candidates: Array<[Located, string, DeviceSecret | undefined]> = [
      ['current', AWSCURRENT, current],
      ['pending', 'the pending version', input.token === undefined ? undefined : await readDeviceSecret(input.secretArn, { token: input.token }, { retryMissing: true })],
      ['previous', AWSPREVIOUS, await readDeviceSecret(input.secretArn, { stage: AWSPREVIOUS })],
    ];
    const client = this.clientFor(current);
    const triedPasswords = new Set<string>();
    const tried: string[] = [];
    for (const [located, label, version] of candidates) {
      if (version === undefined || triedPasswords.has(version.password)) continue;
      triedPasswords.add(version.password);
      tried.push(label);
      const outcome = await client.verifyLogin({ username: current.username, password: version.password });
      if (outcome.status === 'accepted') return { located };
      if (outcome.status !== 'rejected') throw outcome.error;
    }
    throw new DeviceOutOfSyncError(input.secretArn, deviceName(current), tried);
  }

  /** Changes the device password from the version that logs in to the pending one. */
  async change(input: z.infer<typeof changeInput>): Promise<{ changed: true }> {
    const from = await requireDeviceSecret(input.secretArn, refOf(input.from, input.token));
    const pending = await requireDeviceSecret(input.secretArn, { token: input.token }, { retryMissing: true });
    try {
      await this.clientFor(from).changePassword({ username: from.username, currentPassword: from.password, newPassword: pending.password });
    } catch (error) {
      throw outcomeUnknownIfSent(error, input.secretArn);
    }
    return { changed: true };
  }

  /** Logs in with one version; anything but "accepted" fails, typed. Changes nothing. */
  async verify(input: z.infer<typeof verifyInput>): Promise<{ verified: true; stage: 'pending' | 'current' }> {
    const version = await requireDeviceSecret(input.secretArn, refOf(input.stage, input.token), { retryMissing: input.stage === 'pending' });
    const outcome = await this.clientFor(version).verifyLogin({ username: version.username, password: version.password });
    if (outcome.status !== 'accepted') throw outcome.error;
    return { verified: true, stage: input.stage };
  }
}

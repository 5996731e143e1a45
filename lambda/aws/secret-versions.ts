import { DescribeSecretCommand, type DescribeSecretCommandOutput, GetSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { setTimeout as sleep } from 'node:timers/promises';
import { RotatorError } from '../errors';
import { type DeviceSecret, parseDeviceSecret } from '../secret/device-secret';
import { secretsManager } from './secrets-manager-client';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPENDING = 'AWSPENDING';
export const AWSPREVIOUS = 'AWSPREVIOUS';

/** Which stored version: a stage, or the pending version of a rotation (its token). */
export type VersionRef = { readonly stage: typeof AWSCURRENT | typeof AWSPREVIOUS } | { readonly token: string };

export interface SecretDescription {
  readonly arn: string;
  readonly name: string;
  readonly rotationEnabled: boolean;
  readonly versionStages: Readonly<Record<string, readonly string[]>>;
  readonly tags: Readonly<Record<string, string>>;
}

/** The secret (or a version of it) is not in Secrets Manager. `secretArn` is the id asked for (an ARN or a name). */
export class SecretNotFoundError extends RotatorError {
  static override readonly errorName = 'SecretNotFoundError';
  declare readonly secretArn: string;
  constructor(secretId: string, what: string) {
    super(`Secret ${secretId}: ${what}`, { secretArn: secretId });
  }
}

export async function describeSecret(secretId: string): Promise<SecretDescription> {
  let answer: DescribeSecretCommandOutput;
  try {
    answer = await secretsManager().send(new DescribeSecretCommand({ SecretId: secretId }));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) throw new SecretNotFoundError(secretId, 'no such secret in Secrets Manager');
    throw error;
  }
  const versionStages: Record<string, readonly string[]> = {};
  for (const [id, stages] of Object.entries(answer.VersionIdsToStages ?? {})) versionStages[id] = stages ?? [];
  const tags = Object.fromEntries((answer.Tags ?? []).filter((tag) => tag.Key !== undefined).map((tag) => [tag.Key as string, tag.Value ?? '']));
  return { arn: answer.ARN ?? secretId, name: answer.Name ?? secretId, rotationEnabled: answer.RotationEnabled === true, versionStages, tags };
}

/** The version that carries a stage, if any. */
export function versionWithStage(description: SecretDescription, stage: string): string | undefined {
  return Object.entries(description.versionStages).find(([, stages]) => stages.includes(stage))?.[0];
}

function label(ref: VersionRef): string {
  return 'token' in ref ? `pending version ${ref.token}` : ref.stage;
}

/** A stored version: its value, validated, and its version id (what the ledger and messages refer to). */
export interface DeviceVersion {
  readonly secret: DeviceSecret;
  readonly versionId: string;
}

/**
 * Reads and validates one version. `undefined` when the version has no value (a rotation's placeholder) or the stage
 * is on no version. Reads of a version just written may briefly miss (eventual consistency): `retryMissing` retries.
 */
export async function readDeviceVersion(secretArn: string, ref: VersionRef, options: { retryMissing?: boolean } = {}): Promise<DeviceVersion | undefined> {
  const attempts = options.retryMissing === true ? 4 : 1;
  for (let attempt = 1; ; attempt += 1) {
    try {
      const answer = await secretsManager().send(
        new GetSecretValueCommand(
          'token' in ref ? { SecretId: secretArn, VersionId: ref.token, VersionStage: AWSPENDING } : { SecretId: secretArn, VersionStage: ref.stage },
        ),
      );
      const versionId = answer.VersionId ?? ('token' in ref ? ref.token : ref.stage);
      return { secret: parseDeviceSecret(answer.SecretString, secretArn, label(ref)), versionId };
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      if (attempt >= attempts) return undefined;
      await sleep(100 * 2 ** attempt);
    }
  }
}

/** Like `readDeviceVersion`, for a version that must exist. */
export async function requireDeviceVersion(secretArn: string, ref: VersionRef, options: { retryMissing?: boolean } = {}): Promise<DeviceVersion> {
  const version = await readDeviceVersion(secretArn, ref, options);
  if (version === undefined) throw new SecretNotFoundError(secretArn, `has no ${label(ref)} with a value`);
  return version;
}

/** The value of one version, validated (see `readDeviceVersion`). */
export async function readDeviceSecret(secretArn: string, ref: VersionRef, options: { retryMissing?: boolean } = {}): Promise<DeviceSecret | undefined> {
  return (await readDeviceVersion(secretArn, ref, options))?.secret;
}

/** Like `readDeviceSecret`, for a version that must exist. */
export async function requireDeviceSecret(secretArn: string, ref: VersionRef, options: { retryMissing?: boolean } = {}): Promise<DeviceSecret> {
  return (await requireDeviceVersion(secretArn, ref, options)).secret;
}

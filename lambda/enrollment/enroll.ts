import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  ListSecretsCommand,
  ResourceNotFoundException,
  RotateSecretCommand,
  type SecretListEntry,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { secretsManager } from '../aws/secrets-manager-client';
import { AWSCURRENT, readDeviceSecret } from '../aws/secret-versions';
import { isKnownVendor } from '../vendors';
import { type RotationRules, spreadSchedule } from './schedule-spread';

/** What enrollment needs to know (the construct sets it in the function's environment). */
export interface EnrollmentSettings {
  /** The tag whose value names a secret's vendor: who may set it decides who may enroll a secret. */
  readonly tagKey: string;
  readonly rotationFunctionArn: string;
  /** Every how many days an enrolled secret rotates. */
  readonly rotateEveryDays: number;
  readonly windowHours: number;
}

export type EnrollmentOutcome =
  | { readonly secretArn: string; readonly outcome: 'enrolled' | 'unchanged' | 'not-tagged' }
  | { readonly secretArn: string; readonly outcome: 'refused'; readonly reason: string };

function tagOf(described: DescribeSecretCommandOutput, key: string): string | undefined {
  return described.Tags?.find((tag) => tag.Key === key)?.Value;
}

/**
 * Enrolls one secret, if tagged: checks that its content is a valid device secret of the vendor its tag names, then
 * turns rotation on with this rotator's function and the secret's spread schedule, without rotating now
 * (`RotateImmediately=false`: Secrets Manager runs testSecret alone, a login check that changes nothing). A secret
 * already so configured is left alone. Nothing here reads or logs a password beyond validating the secret.
 */
export async function enrollSecret(secretId: string, settings: EnrollmentSettings, rulesGiven?: RotationRules): Promise<EnrollmentOutcome> {
  let described: DescribeSecretCommandOutput;
  try {
    described = await secretsManager().send(new DescribeSecretCommand({ SecretId: secretId }));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return { secretArn: secretId, outcome: 'refused', reason: 'no such secret (deleted?)' };
    throw error;
  }
  const secretArn = described.ARN ?? secretId;
  const vendor = tagOf(described, settings.tagKey);
  if (vendor === undefined) return { secretArn, outcome: 'not-tagged' };
  if (!isKnownVendor(vendor)) return { secretArn, outcome: 'refused', reason: `its tag ${settings.tagKey} names "${vendor}", which is not a vendor this rotator knows` };
  let content;
  try {
    content = await readDeviceSecret(secretArn, { stage: AWSCURRENT });
  } catch (error) {
    return { secretArn, outcome: 'refused', reason: error instanceof Error ? error.message : String(error) };
  }
  if (content === undefined) return { secretArn, outcome: 'refused', reason: 'it has no AWSCURRENT value' };
  if (content.vendor !== vendor) {
    return { secretArn, outcome: 'refused', reason: `its content names vendor "${content.vendor}" but its tag ${settings.tagKey} says "${vendor}": fix one of them` };
  }
  const rules = rulesGiven ?? spreadSchedule(secretArn, settings.rotateEveryDays, settings.windowHours);
  const configured =
    described.RotationEnabled === true &&
    described.RotationLambdaARN === settings.rotationFunctionArn &&
    described.RotationRules?.ScheduleExpression === rules.ScheduleExpression &&
    described.RotationRules?.Duration === rules.Duration;
  if (configured) return { secretArn, outcome: 'unchanged' };
  await secretsManager().send(
    new RotateSecretCommand({ SecretId: secretArn, RotationLambdaARN: settings.rotationFunctionArn, RotationRules: rules, RotateImmediately: false }),
  );
  return { secretArn, outcome: 'enrolled' };
}

/** A secret the deployment lists (beyond the construct's explicit-grant limit), with its vendor and schedule. */
export interface ListedSecret {
  readonly arn: string;
  readonly vendor: string;
  readonly rules?: { readonly ScheduleExpression?: string; readonly Duration?: string; readonly AutomaticallyAfterDays?: number };
}

/**
 * A listed secret: tagged with its vendor (what enrolls it, and what the functions' grants match), then enrolled as a
 * tagged one, with the schedule the deployment gives it. Refused (its content is another vendor's, or not a device
 * secret): the tag comes off again, so that no function may read it.
 */
export async function enrollListed(entry: ListedSecret, settings: EnrollmentSettings): Promise<EnrollmentOutcome> {
  await secretsManager().send(new TagResourceCommand({ SecretId: entry.arn, Tags: [{ Key: settings.tagKey, Value: entry.vendor }] }));
  const outcome = await enrollSecret(entry.arn, settings, entry.rules as RotationRules | undefined);
  if (outcome.outcome === 'refused') await secretsManager().send(new UntagResourceCommand({ SecretId: entry.arn, TagKeys: [settings.tagKey] }));
  return outcome;
}

/** The periodic reconcile: every listed secret, then every secret carrying the tag, page by page. */
export async function reconcileAll(settings: EnrollmentSettings, listed: readonly ListedSecret[] = []): Promise<EnrollmentOutcome[]> {
  const outcomes: EnrollmentOutcome[] = [];
  for (const entry of listed) {
    try {
      outcomes.push(await enrollListed(entry, settings));
    } catch (error) {
      outcomes.push({ secretArn: entry.arn, outcome: 'refused', reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
  }
  for await (const secret of taggedSecrets(settings.tagKey)) {
    if (secret.ARN === undefined) continue;
    try {
      outcomes.push(await enrollSecret(secret.ARN, settings));
    } catch (error) {
      outcomes.push({ secretArn: secret.ARN, outcome: 'refused', reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
  }
  return outcomes;
}

/**
 * Every secret carrying the enrollment tag, page by page (ListSecrets filtered by the tag key): the one listing of the
 * tagged fleet, which the reconcile, the heartbeat and the pending-rotation scan share (each entry has its
 * `SecretVersionsToStages`). Listed secrets are in it once enrollment has tagged them.
 */
export async function* taggedSecrets(tagKey: string): AsyncGenerator<SecretListEntry> {
  let nextToken: string | undefined;
  do {
    const page = await secretsManager().send(new ListSecretsCommand({ Filters: [{ Key: 'tag-key', Values: [tagKey] }], MaxResults: 100, NextToken: nextToken }));
    yield* page.SecretList ?? [];
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
}

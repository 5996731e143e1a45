import { DescribeSecretCommand, ListSecretVersionIdsCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { AWSCURRENT, AWSPENDING } from '../aws/secret-versions';
import { secretsManager } from '../aws/secrets-manager-client';
import { taggedSecrets } from '../enrollment/enroll';

export interface PendingScanSettings {
  /** Enrollment by tag: the tag whose secrets are scanned (ListSecrets). */
  readonly tagKey?: string;
  /** The secrets the deployment lists by ARN (DescribeSecret each). */
  readonly secretArns: readonly string[];
  /** A rotation pending longer than this is stuck. */
  readonly thresholdMs: number;
  readonly now?: () => number;
}

/** A rotation whose AWSPENDING version sits apart from AWSCURRENT. */
export interface PendingRotation {
  readonly secretArn: string;
  readonly token: string;
  /** Since the pending version was created; undefined if its creation date could not be read. */
  readonly ageMs?: number;
}

export interface PendingScan {
  readonly scanned: number;
  readonly pending: readonly PendingRotation[];
  /** Those pending longer than the threshold. */
  readonly stuck: readonly PendingRotation[];
  /** Age of the oldest pending rotation (0 when none). */
  readonly oldestAgeMs: number;
}

type Stages = Record<string, string[] | undefined> | undefined;

/** The version staged AWSPENDING apart from AWSCURRENT (after a successful rotation it may stay on AWSCURRENT: normal). */
export function pendingToken(stages: Stages): string | undefined {
  const entries = Object.entries(stages ?? {});
  const pending = entries.find(([, labels]) => labels?.includes(AWSPENDING))?.[0];
  const current = entries.find(([, labels]) => labels?.includes(AWSCURRENT))?.[0];
  return pending !== undefined && pending !== current ? pending : undefined;
}

async function createdAt(secretArn: string, token: string): Promise<number | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await secretsManager().send(new ListSecretVersionIdsCommand({ SecretId: secretArn, NextToken: nextToken, MaxResults: 100 }));
    const version = page.Versions?.find((v) => v.VersionId === token);
    if (version !== undefined) return version.CreatedDate?.getTime();
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return undefined;
}

/** Every enrolled secret with its stages: the tagged ones (the enrollment's listing), then the listed ARNs. */
async function* enrolledSecrets(settings: PendingScanSettings): AsyncGenerator<{ arn: string; stages: Stages }> {
  if (settings.tagKey !== undefined) {
    for await (const secret of taggedSecrets(settings.tagKey)) {
      if (secret.ARN !== undefined) yield { arn: secret.ARN, stages: secret.SecretVersionsToStages };
    }
  }
  for (const arn of settings.secretArns) {
    try {
      const described = await secretsManager().send(new DescribeSecretCommand({ SecretId: arn }));
      yield { arn: described.ARN ?? arn, stages: described.VersionIdsToStages };
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}

/**
 * Finds the rotations left pending (a stuck AWSPENDING makes the next RotateSecret fail with "A previous rotation
 * isn't complete"). Only secrets with a pending version cost a second call (ListSecretVersionIds, for its creation
 * date). Changes nothing.
 */
export async function scanPendingRotations(settings: PendingScanSettings): Promise<PendingScan> {
  const now = (settings.now ?? Date.now)();
  const seen = new Set<string>();
  const pending: PendingRotation[] = [];
  for await (const secret of enrolledSecrets(settings)) {
    if (seen.has(secret.arn)) continue;
    seen.add(secret.arn);
    const token = pendingToken(secret.stages);
    if (token === undefined) continue;
    const created = await createdAt(secret.arn, token);
    pending.push({ secretArn: secret.arn, token, ageMs: created === undefined ? undefined : Math.max(0, now - created) });
  }
  // A pending version whose age is unknown is counted as stuck: it cannot be shown to be recent.
  const stuck = pending.filter((p) => p.ageMs === undefined || p.ageMs > settings.thresholdMs);
  const oldestAgeMs = Math.max(0, ...pending.map((p) => p.ageMs ?? 0));
  return { scanned: seen.size, pending, stuck, oldestAgeMs };
}

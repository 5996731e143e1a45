import { DescribeSecretCommand, type DescribeSecretCommandOutput, ResourceNotFoundException, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { UsageError } from './io';

/**
 * The secret an operator named (its name, partial ARN or ARN), described. A secret that does not exist is a bad
 * argument (exit code 2).
 */
export async function describeNamedSecret(client: SecretsManagerClient, secretId: string): Promise<DescribeSecretCommandOutput & { ARN: string; Name: string }> {
  if (secretId.trim() === '') throw new UsageError('the secret must be a name or an ARN, not empty');
  try {
    const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
    return { ...described, ARN: described.ARN ?? secretId, Name: described.Name ?? secretId };
  } catch (error) {
    if (error instanceof ResourceNotFoundException) {
      throw new UsageError(`no secret "${secretId}" in Secrets Manager (region ${process.env.AWS_REGION ?? 'from your profile'}): give its name or ARN`);
    }
    throw error;
  }
}

/** The version that carries a stage, in a DescribeSecret answer. */
export function versionWithStage(described: Pick<DescribeSecretCommandOutput, 'VersionIdsToStages'>, stage: string): string | undefined {
  return Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) => (stages ?? []).includes(stage))?.[0];
}

/** A rotation is pending while AWSPENDING sits on a version other than AWSCURRENT's. */
export function pendingToken(described: Pick<DescribeSecretCommandOutput, 'VersionIdsToStages'>): string | undefined {
  const pending = versionWithStage(described, 'AWSPENDING');
  return pending !== undefined && pending !== versionWithStage(described, 'AWSCURRENT') ? pending : undefined;
}

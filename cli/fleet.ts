import { ListSecretsCommand, type SecretListEntry, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeExecutionCommand, type ExecutionListItem, SFNClient } from '@aws-sdk/client-sfn';
import { retryConfig } from '../lambda/aws/cached-client';
import { secretTag } from '../lambda/rotation/execution-names';
import type { Deployment } from './deployment';
import { formatDate } from './format';
import { describeAwsError } from './io';
import { lastRotationFailures } from './last-failure';
import { rotationFunctionSettings } from './rotation-function';
import { pendingToken } from './secret-ref';

/** One secret of the fleet, as `report` lists it. */
export interface FleetEntry {
  readonly secret: string;
  readonly arn: string;
  readonly vendor: string;
  /** `enrolled`: rotated by this deployment's rotation function; `tagged, not enrolled`: tagged, not (yet) rotated by it. */
  readonly enrollment: 'enrolled' | 'tagged, not enrolled';
  readonly rotation: 'enabled' | 'disabled';
  readonly lastRotation: string;
  readonly nextRotation: string;
  readonly pendingRotation: string;
  readonly lastFailure: string;
  readonly lastFailureError: string;
}

async function everySecret(client: SecretsManagerClient): Promise<SecretListEntry[]> {
  const secrets: SecretListEntry[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListSecretsCommand({ MaxResults: 100, NextToken: nextToken }));
    secrets.push(...(page.SecretList ?? []));
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return secrets;
}

/**
 * Which rotation functions are this deployment's: the one the stack outputs (or the local engine) name, else each
 * function the secrets name whose settings say it starts this deployment's rotation state machine.
 */
async function rotationFunctionsOf(deployment: Deployment, secrets: readonly SecretListEntry[], notes: string[]): Promise<Set<string>> {
  if (deployment.rotationFunctionArn !== undefined) return new Set([deployment.rotationFunctionArn]);
  const named = [...new Set(secrets.map((secret) => secret.RotationLambdaARN).filter((arn): arn is string => arn !== undefined))];
  const ours = new Set<string>();
  for (const arn of named) {
    try {
      if ((await rotationFunctionSettings(arn)).rotationStateMachineArn === deployment.rotationStateMachineArn) ours.add(arn);
    } catch (error) {
      notes.push(`rotation function ${arn}: settings not read (${describeAwsError(error)}): its secrets are listed only if tagged`);
    }
  }
  return ours;
}

/** The error an ended execution failed with (ListExecutions gives only its status). */
async function errorOf(client: SFNClient, execution: ExecutionListItem): Promise<string> {
  try {
    const described = await client.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
    return described.error ?? described.status ?? '';
  } catch {
    return execution.status ?? '';
  }
}

/** The fleet: every secret this deployment rotates, and every secret tagged for it, with their rotation state. */
export async function fleet(deployment: Deployment): Promise<{ entries: FleetEntry[]; notes: string[] }> {
  const secretsManager = new SecretsManagerClient(retryConfig());
  const stepFunctions = new SFNClient(retryConfig());
  const notes: string[] = [];
  try {
    const secrets = await everySecret(secretsManager);
    const functions = await rotationFunctionsOf(deployment, secrets, notes);
    const failures = await lastRotationFailures(stepFunctions, deployment.rotationStateMachineArn).catch((error: unknown) => {
      notes.push(`last failures: not read (${describeAwsError(error)})`);
      return new Map<string, ExecutionListItem>();
    });
    const entries: FleetEntry[] = [];
    for (const secret of secrets) {
      if (secret.ARN === undefined) continue;
      const vendor = secret.Tags?.find((tag) => tag.Key === deployment.tagKey)?.Value;
      const enrolled = secret.RotationLambdaARN !== undefined && functions.has(secret.RotationLambdaARN);
      if (!enrolled && vendor === undefined) continue;
      const failure = failures.get(secretTag(secret.ARN));
      const enabled = secret.RotationEnabled === true;
      entries.push({
        secret: secret.Name ?? secret.ARN,
        arn: secret.ARN,
        vendor: vendor ?? '',
        enrollment: enrolled ? 'enrolled' : 'tagged, not enrolled',
        rotation: enabled ? 'enabled' : 'disabled',
        lastRotation: formatDate(secret.LastRotatedDate) ?? '',
        nextRotation: enabled ? (formatDate(secret.NextRotationDate) ?? '') : '',
        pendingRotation: pendingToken({ VersionIdsToStages: secret.SecretVersionsToStages }) ?? '',
        lastFailure: formatDate(failure?.stopDate) ?? '',
        lastFailureError: failure === undefined ? '' : await errorOf(stepFunctions, failure),
      });
    }
    entries.sort((a, b) => a.secret.localeCompare(b.secret));
    return { entries, notes };
  } finally {
    secretsManager.destroy();
    stepFunctions.destroy();
  }
}

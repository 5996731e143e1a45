import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { retryConfig } from '../lambda/aws/cached-client';
import { accountOf } from '../lambda/ledger/account';
import { DeviceLedger } from '../lambda/ledger/device-ledger';
import { automatedBudget, lockoutOf } from '../lambda/ledger/lockout';
import { type DeviceSecret, parseDeviceSecret } from '../lambda/secret/device-secret';
import type { Deployment } from './deployment';
import { formatDate } from './format';
import { describeAwsError } from './io';
import { type LastFailure, lastFailure } from './last-failure';
import { rotationFunctionSettings } from './rotation-function';
import { describeNamedSecret, pendingToken } from './secret-ref';

/** Everything `status` shows about one secret. References only: no password, no token of a device. */
export interface SecretStatus {
  readonly secret: string;
  readonly arn: string;
  readonly vendor?: string;
  readonly account?: string;
  readonly rotation: { readonly enabled: boolean; readonly functionArn?: string; readonly schedule?: string };
  readonly versions: readonly { readonly id: string; readonly stages: readonly string[] }[];
  readonly pendingRotation?: string;
  readonly lastRotation?: string;
  readonly nextRotation?: string;
  readonly lastHeartbeat?: { readonly at?: string; readonly outcome: string; readonly executionArn?: string; readonly detail?: string };
  readonly lastFailure?: Omit<LastFailure, 'at'> & { readonly at?: string };
  readonly ledger?: {
    readonly table: string;
    readonly chargedInWindow: number;
    readonly inFlight: number;
    readonly budget: number;
    readonly lockout: { readonly attempts: number; readonly windowSeconds: number };
    readonly lease?: { readonly holder: string; readonly since?: string; readonly until?: string };
    readonly lockedUntil?: string;
    readonly lastAcceptedLogin?: string;
  };
  /** What could not be read, and why (e.g. a permission the operator lacks). */
  readonly notes: readonly string[];
}

function scheduleOf(rules: { ScheduleExpression?: string; AutomaticallyAfterDays?: number; Duration?: string } | undefined): string | undefined {
  if (rules === undefined) return undefined;
  const every = rules.ScheduleExpression ?? (rules.AutomaticallyAfterDays === undefined ? undefined : `every ${rules.AutomaticallyAfterDays} days`);
  return every === undefined ? undefined : `${every}${rules.Duration === undefined ? '' : `, window ${rules.Duration}`}`;
}

export async function secretStatus(deployment: Deployment, secretId: string, now = Date.now()): Promise<SecretStatus> {
  const secretsManager = new SecretsManagerClient(retryConfig());
  const stepFunctions = new SFNClient(retryConfig());
  const notes: string[] = [];
  try {
    const described = await describeNamedSecret(secretsManager, secretId);
    const versions = Object.entries(described.VersionIdsToStages ?? {}).map(([id, stages]) => ({ id, stages: stages ?? [] }));
    const status = {
      secret: described.Name,
      arn: described.ARN,
      vendor: described.Tags?.find((tag) => tag.Key === deployment.tagKey)?.Value,
      rotation: { enabled: described.RotationEnabled === true, functionArn: described.RotationLambdaARN, schedule: scheduleOf(described.RotationRules) },
      versions,
      pendingRotation: pendingToken(described),
      lastRotation: formatDate(described.LastRotatedDate),
      nextRotation: described.RotationEnabled === true ? formatDate(described.NextRotationDate) : undefined,
      notes,
    };

    const failure = await lastFailure(stepFunctions, deployment, described).catch((error: unknown) => {
      notes.push(`last failure: not read (${describeAwsError(error)})`);
      return undefined;
    });

    // The ledger is keyed by account: that takes the AWSCURRENT value (read here, never shown).
    let secret: DeviceSecret | undefined;
    let currentWritten: Date | undefined;
    try {
      const current = await secretsManager.send(new GetSecretValueCommand({ SecretId: described.ARN, VersionStage: 'AWSCURRENT' }));
      currentWritten = current.CreatedDate;
      secret = parseDeviceSecret(current.SecretString, described.ARN, 'AWSCURRENT');
    } catch (error) {
      notes.push(`account: AWSCURRENT not read (${describeAwsError(error)}), so no ledger or heartbeat`);
    }
    let ledgerTable = deployment.ledgerTable;
    if (ledgerTable === undefined && described.RotationLambdaARN !== undefined) {
      ledgerTable = await rotationFunctionSettings(described.RotationLambdaARN)
        .then((settings) => settings.ledgerTable)
        .catch((error: unknown) => {
          notes.push(`ledger: its table is not known (the rotation function's settings: ${describeAwsError(error)}); pass --ledger-table`);
          return undefined;
        });
    }
    // Secrets Manager's LastRotatedDate counts its own rotations only; a console rotate writes a new AWSCURRENT too.
    const rotatedBefore = versions.some((version) => version.stages.includes('AWSPREVIOUS'));
    const lastRotation = [described.LastRotatedDate, rotatedBefore ? currentWritten : undefined]
      .filter((date): date is Date => date !== undefined)
      .sort((a, b) => b.getTime() - a.getTime())[0];
    const base = { ...status, lastRotation: formatDate(lastRotation), vendor: secret?.vendor ?? status.vendor, lastFailure: failure === undefined ? undefined : { ...failure, at: formatDate(failure.at) } };
    if (secret === undefined) return base;
    const account = accountOf(secret);
    const withAccount = { ...base, account: `${account.username}@${account.host}:${account.port}` };
    if (ledgerTable === undefined) return withAccount;

    const ledger = new DeviceLedger({ tableName: ledgerTable });
    try {
      const record = await ledger.read(account);
      const model = lockoutOf(secret);
      const charged = record.charges.filter((charge) => charge.at > now - model.windowSeconds * 1000);
      const heartbeat = record.lastHeartbeat;
      return {
        ...withAccount,
        lastHeartbeat: heartbeat === undefined ? undefined : { ...heartbeat, at: formatDate(heartbeat.at) },
        ledger: {
          table: ledgerTable,
          chargedInWindow: charged.length,
          inFlight: charged.filter((charge) => charge.state === 'in-flight').length,
          budget: automatedBudget(model),
          lockout: model,
          lease:
            record.lease === undefined || record.lease.until <= now
              ? undefined
              : { holder: record.lease.holder, since: formatDate(record.lease.since), until: formatDate(record.lease.until) },
          lockedUntil: record.lockedUntil !== undefined && record.lockedUntil > now ? formatDate(record.lockedUntil) : undefined,
          lastAcceptedLogin: formatDate(record.lastAccepted?.at),
        },
      };
    } catch (error) {
      notes.push(`ledger: not read (${describeAwsError(error)})`);
      return withAccount;
    }
  } finally {
    secretsManager.destroy();
    stepFunctions.destroy();
  }
}

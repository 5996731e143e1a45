import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { type FunctionSettings, rotatorFunction } from '../functions';
import type { RotatorSecrets } from '../secrets';
import type { MonitoredSecrets } from './monitored';
import { grantReadSecrets } from './notifier';

export interface PendingScannerArgs {
  readonly settings: FunctionSettings;
  readonly secrets: MonitoredSecrets;
  readonly rotatorSecrets: RotatorSecrets;
  /** A rotation pending longer than this counts in `RotationsPendingTooLong`. */
  readonly threshold: Duration;
  /** How often the scan runs. */
  readonly every: Duration;
}

/**
 * The pending-rotation scanner, on a schedule: lists the enrolled secrets (ListSecrets by tag, DescribeSecret for
 * those listed by ARN) and, for each with a pending version, that version's creation date (ListSecretVersionIds).
 * It reads no secret value.
 */
export function createPendingScanner(scope: Construct, args: PendingScannerArgs): lambda.Function {
  const fn = rotatorFunction(scope, args.settings, {
    logicalId: 'PendingScanFunction',
    entry: 'lambda/handlers/notifications-pending-scan.ts',
    kind: 'pending-scan',
    description: 'Counts enrolled secrets whose rotation has been pending too long (metric RotationsPendingTooLong)',
    timeout: Duration.minutes(5),
    environment: {
      PENDING_THRESHOLD_SECONDS: String(args.threshold.toSeconds()),
      SECRET_ARNS: JSON.stringify(args.secrets.configuredArns),
      ...(args.secrets.tagged === undefined ? {} : { ENROLLMENT_TAG_KEY: args.secrets.tagged.tagKey }),
    },
    logGroupName: args.settings.logGroups.names.monitoring('pending-scan'),
  });
  if (args.secrets.tagged !== undefined) {
    // ListSecrets has no resource-level permission; what it returns is names, tags and version stages, no value.
    fn.role!.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ListTheTaggedSecrets', actions: ['secretsmanager:ListSecrets'], resources: ['*'] }));
  }
  grantReadSecrets(fn, args, ['secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds']);
  new events.Rule(scope, 'PendingScanSchedule', {
    description: 'Device password rotator: scan for rotations pending too long',
    schedule: events.Schedule.rate(args.every),
    targets: [new targets.LambdaFunction(fn, { retryAttempts: 2 })],
  });
  return fn;
}

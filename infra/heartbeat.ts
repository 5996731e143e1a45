import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { type FunctionSettings, rotatorFunction } from './functions';
import type { MachineArns } from './state-machines';

/** The heartbeat: every enrolled secret's AWSCURRENT is checked on its device on a schedule, changing nothing. */
export interface HeartbeatSettings {
  /**
   * Whether the heartbeat runs.
   *
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Every how many days each secret's heartbeat runs (its hour, and its day of the cycle, spread by a stable hash of
   * its ARN, 12 hours away from its spread rotation hour).
   *
   * @default 1
   */
  readonly everyDays?: number;
}

export function heartbeatEveryDays(settings: HeartbeatSettings | undefined): number {
  const days = settings?.everyDays ?? 1;
  if (!Number.isInteger(days) || days < 1 || days > 365) throw new Error(`heartbeat.everyDays must be a whole number of days from 1 to 365, got ${days}`);
  return days;
}

/**
 * The heartbeat dispatcher and its hourly schedule: each hour it starts the console `heartbeat` execution of the
 * enrolled secrets whose slot is that hour. It may list secrets (names and tags only: no value), start the console
 * state machine and nothing else; the heartbeat's login runs in the vendor's device function, as every login does.
 */
export function createHeartbeat(
  scope: Construct,
  args: {
    heartbeat: HeartbeatSettings | undefined;
    settings: FunctionSettings;
    console: MachineArns;
    key: kms.IKey;
    rotationFunction: lambda.IFunction;
    /** The secrets the stack names (full ARNs, or partial ARNs without the suffix). */
    explicitSecrets: readonly string[];
    /** The enrollment tag, when secrets are enrolled by tag (or listed beyond the explicit limit, which tags them). */
    tagKey?: string;
  },
): lambda.Function {
  const fn = rotatorFunction(scope, args.settings, {
    logicalId: 'HeartbeatFunction',
    entry: 'lambda/handlers/heartbeat.ts',
    kind: 'heartbeat',
    description: 'Starts the daily heartbeat (a login check that changes nothing) of each enrolled device secret, spread over the day',
    timeout: Duration.minutes(5),
    environment: {
      CONSOLE_STATE_MACHINE_ARN: args.console.arn,
      HEARTBEAT_EVERY_DAYS: String(heartbeatEveryDays(args.heartbeat)),
      HEARTBEAT_SECRETS: Stack.of(scope).toJsonString(args.explicitSecrets),
      ROTATION_FUNCTION_ARN: args.rotationFunction.functionArn,
      ...(args.tagKey === undefined ? {} : { ENROLLMENT_TAG_KEY: args.tagKey }),
    },
    logGroupName: args.settings.logGroups.names.heartbeat,
  });
  const role = fn.role!;
  role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'StartHeartbeats', actions: ['states:StartExecution'], resources: [args.console.arn] }));
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'HeartbeatInputUnderTheRotatorKey',
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [args.key.keyArn],
      conditions: { StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': [args.console.arn] } },
    }),
  );
  if (args.tagKey !== undefined) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'FindEnrolledSecrets', actions: ['secretsmanager:ListSecrets'], resources: ['*'] }));
  }
  new events.Rule(scope, 'HeartbeatSchedule', {
    description: 'Starts the heartbeat of the device secrets whose slot is this hour',
    // Once in every UTC hour (a rate schedule drifts across hour boundaries): the dispatch picks that hour's slots.
    schedule: events.Schedule.cron({ minute: '5' }),
    targets: [new targets.LambdaFunction(fn, { event: events.RuleTargetInput.fromObject({ operation: 'dispatch', time: events.EventField.time }) })],
  });
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Only actions without resource-level permissions use "*": xray:PutTraceSegments/PutTelemetryRecords (active tracing)' +
      (args.tagKey === undefined ? '' : ', secretsmanager:ListSecrets (filtered by the enrollment tag; it returns no secret value)') +
      (args.settings.vpc ? ', and the EC2 network-interface actions Lambda needs to run in a VPC' : '') +
      '.',
  });
  return fn;
}

import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { type FunctionSettings, rotatorFunction } from '../functions';
import type { RotatorSecrets } from '../secrets';
import { grantSecretsKeys } from '../grants';
import type { MonitoredSecrets, MonitoredStateMachine } from './monitored';
import { Duration } from 'aws-cdk-lib';

export interface NotifierArgs {
  readonly settings: FunctionSettings;
  readonly topic: sns.ITopic;
  readonly stateMachines: readonly MonitoredStateMachine[];
  /** The state machines' key: reading an execution's input and history takes kms:Decrypt with it. */
  readonly key: kms.IKey;
  readonly secrets: MonitoredSecrets;
  /** For the secrets' customer-managed keys (through Secrets Manager only). */
  readonly rotatorSecrets: RotatorSecrets;
  readonly rotationStateMachineArn: string;
}

/**
 * The notifier function: reads the failed execution (DescribeExecution, GetExecutionHistory) and the secret's
 * AWSCURRENT (host, port, vendor, username) and publishes one message. Its grants: those reads on these state
 * machines' executions and on the enrolled secrets only, and Publish on the topic.
 */
export function createNotifier(scope: Construct, args: NotifierArgs): lambda.Function {
  const fn = rotatorFunction(scope, args.settings, {
    logicalId: 'NotifierFunction',
    entry: 'lambda/handlers/notifications.ts',
    kind: 'notifier',
    description: 'Publishes one message per failed rotator execution or Secrets Manager rotation failure (no secret in it)',
    timeout: Duration.seconds(30),
    environment: {
      TOPIC_ARN: args.topic.topicArn,
      ROTATION_STATE_MACHINE_ARN: args.rotationStateMachineArn,
      SECRET_ARNS: JSON.stringify(args.secrets.configuredArns),
      ...(args.secrets.tagged === undefined ? {} : { ENROLLMENT_TAG_KEY: args.secrets.tagged.tagKey }),
    },
    logGroupName: args.settings.logGroups.names.monitoring('notifier'),
  });
  const role = fn.role!;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadTheFailedExecutions',
      actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
      resources: args.stateMachines.map((m) => m.arns.executions),
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'DecryptExecutionDataOfTheseStateMachines',
      actions: ['kms:Decrypt'],
      resources: [args.key.keyArn],
      conditions: { StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': args.stateMachines.map((m) => m.arns.arn) } },
    }),
  );
  grantReadSecrets(fn, args);
  args.topic.grantPublish(fn);
  return fn;
}

/** DescribeSecret and GetSecretValue of the enrolled secrets (by ARN, or by tag), through Secrets Manager's key grants. */
export function grantReadSecrets(fn: lambda.Function, args: Pick<NotifierArgs, 'secrets' | 'rotatorSecrets'>, actions = ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']): void {
  const { secrets } = args;
  if (secrets.policyArns.length > 0) {
    fn.role!.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadTheListedSecrets', actions, resources: [...secrets.policyArns] }));
  }
  if (secrets.tagged !== undefined) {
    fn.role!.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTheTaggedSecrets',
        actions,
        resources: [secrets.tagged.anySecret],
        conditions: { StringEquals: { [`aws:ResourceTag/${secrets.tagged.tagKey}`]: [...secrets.tagged.values] } },
      }),
    );
  }
  if (actions.includes('secretsmanager:GetSecretValue')) {
    const arns = [...secrets.policyArns, ...(secrets.tagged === undefined ? [] : [secrets.tagged.anySecret])];
    if (arns.length > 0) grantSecretsKeys(fn, args.rotatorSecrets, 'DecryptTheSecretsThroughSecretsManager', ['kms:Decrypt'], arns);
  }
}

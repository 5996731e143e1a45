import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { EXECUTION_STATUS_CHANGE, FAILED_STATUSES, ROTATION_FAILURE_EVENTS, SERVICE_EVENT_VIA_CLOUDTRAIL } from '../../lambda/notifications/events';
import type { MonitoredStateMachine } from './monitored';

/**
 * Every failed, timed-out or aborted execution of these state machines (Step Functions sends its status changes to
 * EventBridge directly, best effort, within seconds).
 */
export function executionFailurePattern(stateMachineArns: readonly string[]): events.EventPattern {
  return {
    source: ['aws.states'],
    detailType: [EXECUTION_STATUS_CHANGE],
    detail: { status: [...FAILED_STATUSES], stateMachineArn: [...stateMachineArns] },
  };
}

/**
 * Secrets Manager's rotation failures (CloudTrail "AWS Service Event via CloudTrail", which EventBridge receives
 * without a trail). The events name the secret (`additionalEventData.SecretId`) but not its tags or rotation
 * function, so the rule takes those of the whole account and region; the notifier keeps the enrolled secrets' only.
 */
export function rotationFailurePattern(scope: Construct): events.EventPattern {
  const stack = Stack.of(scope);
  return {
    source: ['aws.secretsmanager'],
    detailType: [SERVICE_EVENT_VIA_CLOUDTRAIL],
    detail: {
      eventSource: ['secretsmanager.amazonaws.com'],
      eventName: [...ROTATION_FAILURE_EVENTS],
      additionalEventData: { SecretId: [{ prefix: `arn:${stack.partition}:secretsmanager:${stack.region}:${stack.account}:secret:` }] },
    },
  };
}

/** The two rules, each sending its events to the notifier (retried for an hour by EventBridge if it fails). */
export function createFailureRules(scope: Construct, stateMachines: readonly MonitoredStateMachine[], notifier: lambda.IFunction): events.Rule[] {
  const target = new targets.LambdaFunction(notifier, { retryAttempts: 8, maxEventAge: Duration.hours(1) });
  return [
    new events.Rule(scope, 'ExecutionFailedRule', {
      description: 'Device password rotator: failed, timed-out or aborted executions, to the notifier',
      eventPattern: executionFailurePattern(stateMachines.map((m) => m.arns.arn)),
      targets: [target],
    }),
    new events.Rule(scope, 'RotationFailedRule', {
      description: 'Device password rotator: Secrets Manager RotationFailed and RotationAbandoned, to the notifier',
      eventPattern: rotationFailurePattern(scope),
      targets: [target],
    }),
  ];
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { createRotatorApp } from '../../infra/app';
import { DevicePasswordRotator } from '../../infra/device-password-rotator';
import { VENDORS } from '../../lambda/device/types';
import { matchesEventPattern } from '../helpers/event-pattern';
import { ACCOUNT, asArray, functionsByKind, nagCheckedStack, REGION, type Resources, resourcesOfType, secretArn, statementsOfFunction, TEST_CONTEXT } from './helpers';

/**
 * Notifications, alarms, dashboard and stack outputs (infra/monitoring/), in the template the CDK app synthesizes
 * (cdk-nag checked), and the rules' event patterns against AWS's documented sample events (test/fixtures/events/).
 */
const ROUTER = secretArn('network/router-1');
const { stack } = createRotatorApp({ context: TEST_CONTEXT, config: { secrets: [{ arn: ROUTER }], env: { account: ACCOUNT, region: REGION } } });
const template = Template.fromStack(stack);
const resources = template.toJSON().Resources as Resources;
const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
const rotator = stack.rotator;
const resolve = (value: unknown) => stack.resolve(value) as unknown;
const actionsOf = (statement: { Action: string | string[] }) => asArray(statement.Action);
const rotationArn = resolve(rotator.stateMachineArn) as string;
const consoleArn = resolve(rotator.consoleStateMachineArn) as string;
const rotatorName = rotationArn.split(':').pop()!;
const topicId = stack.getLogicalId(rotator.monitoring.topic!.node.defaultChild as sns.CfnTopic);

const alarms = resourcesOfType(resources, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties!);
const alarmNamed = (fragment: string) => alarms.filter((alarm) => String(alarm.AlarmName).includes(fragment));
const rules = resourcesOfType(resources, 'AWS::Events::Rule').map(([, rule]) => rule.Properties!);
const patternOf = (eventName: string) => rules.find((rule) => JSON.stringify(rule.EventPattern ?? {}).includes(eventName))!.EventPattern;

function fixture(name: string): Record<string, any> {
  const { documentation, event } = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/events', `${name}.json`), 'utf8'));
  expect(documentation).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  return event;
}

describe('alarms (cdk-monitoring-constructs), each notifying the topic', () => {
  test.each([
    ['rotation-state-machine-Failure-Count', 'failed executions of the rotation state machine'],
    ['rotation-state-machine-TimedOut-Count', 'timed-out executions of the rotation state machine'],
    ['rotation-state-machine-Aborted-Count', 'aborted executions of the rotation state machine'],
    ['console-state-machine-Failure-Count', 'failed executions of the console state machine'],
    ['console-state-machine-TimedOut-Count', 'timed-out console executions'],
    ['console-state-machine-Aborted-Count', 'aborted console executions'],
    ['rotation-function-Fault-Count', 'rotation function errors'],
    ...VENDORS.map((vendor) => [`device-${vendor}-Fault-Count`, `${vendor} device function errors`] as [string, string]),
    ['aws-calls-throttled', 'throttled AWS calls'],
    ['devices-drifted', 'drifted devices'],
    ['rotations-pending-too-long', 'rotations pending too long'],
  ])('%s (%s)', (fragment) => {
    const [alarm, ...others] = alarmNamed(fragment);
    expect(others).toHaveLength(0);
    expect(alarm!.AlarmActions).toEqual([{ Ref: topicId }]);
    expect(alarm!.ComparisonOperator).toBe('GreaterThanThreshold');
  });

  test('the custom metrics are read where the functions emit them: namespace DevicePasswordRotator, this rotator, this service', () => {
    for (const [fragment, metricName, threshold] of [
      ['aws-calls-throttled', 'AwsCallsThrottled', 100],
      ['devices-drifted', 'DevicesDrifted', 0],
      ['rotations-pending-too-long', 'RotationsPendingTooLong', 0],
    ] as const) {
      const alarm = alarmNamed(fragment)[0]!;
      expect(alarm).toMatchObject({ Namespace: 'DevicePasswordRotator', MetricName: metricName, Threshold: threshold });
      expect(resolve(alarm.Dimensions)).toEqual(expect.arrayContaining([{ Name: 'service', Value: 'device-password-rotator' }, { Name: 'Rotator', Value: rotatorName }]));
    }
    // The same rotator name is what every function puts on its metrics.
    for (const [, fn] of Object.values(functionsByKind(resources))) expect(fn.Properties!.Environment.Variables.ROTATOR_NAME).toEqual(rotatorName);
  });

  test('a dashboard of the same', () => {
    const [dashboard, ...others] = resourcesOfType(resources, 'AWS::CloudWatch::Dashboard');
    expect(others).toHaveLength(0);
    const body = JSON.stringify(resolve(dashboard![1].Properties!.DashboardBody));
    for (const metric of ['AwsCallsThrottled', 'DevicesDrifted', 'RotationsPendingTooLong', 'OldestPendingRotationAge', 'ExecutionsFailed']) expect(body).toContain(metric);
  });
});

describe('the notification topic and the rules', () => {
  test('the topic is encrypted with its own key and refuses requests not over TLS', () => {
    const [, topic] = resourcesOfType(resources, 'AWS::SNS::Topic')[0]!;
    expect(topic.Properties!.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringContaining('NotificationsKey'), 'Arn'] });
    const [, policy] = resourcesOfType(resources, 'AWS::SNS::TopicPolicy')[0]!;
    expect(policy.Properties!.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  test('executions: the documented FAILED, TIMED_OUT and ABORTED events of either state machine match; SUCCEEDED and other state machines do not', () => {
    const pattern = patternOf('Step Functions Execution Status Change');
    const ours = (event: Record<string, any>, machineArn: string) => ({
      ...event,
      detail: { ...event.detail, stateMachineArn: machineArn, executionArn: `${machineArn.replace(':stateMachine:', ':execution:')}:x` },
    });
    for (const name of ['step-functions-execution-failed', 'step-functions-execution-timed-out', 'step-functions-execution-aborted']) {
      expect(matchesEventPattern(pattern, ours(fixture(name), rotationArn))).toBe(true);
      expect(matchesEventPattern(pattern, ours(fixture(name), consoleArn))).toBe(true);
      // As documented, for another state machine: not ours.
      expect(matchesEventPattern(pattern, fixture(name))).toBe(false);
    }
    expect(matchesEventPattern(pattern, ours(fixture('step-functions-execution-succeeded'), rotationArn))).toBe(false);
  });

  test('Secrets Manager: the documented RotationFailed and RotationAbandoned of this account and region match; RotationSucceeded and other accounts do not', () => {
    const pattern = patternOf('RotationFailed');
    const ours = (event: Record<string, any>) => ({
      ...event,
      account: ACCOUNT,
      region: REGION,
      detail: { ...event.detail, additionalEventData: { SecretId: ROUTER } },
    });
    expect(matchesEventPattern(pattern, ours(fixture('secrets-manager-rotation-failed')))).toBe(true);
    expect(matchesEventPattern(pattern, ours(fixture('secrets-manager-rotation-abandoned')))).toBe(true);
    expect(matchesEventPattern(pattern, ours(fixture('secrets-manager-rotation-succeeded')))).toBe(false);
    // The documented sample is another account's secret.
    expect(matchesEventPattern(pattern, fixture('secrets-manager-rotation-failed'))).toBe(false);
  });

  test('both rules send their events to the notifier', () => {
    const [notifierId] = functionsByKind(resources).notifier!;
    for (const eventName of ['Step Functions Execution Status Change', 'RotationFailed']) {
      const rule = rules.find((r) => JSON.stringify(r.EventPattern ?? {}).includes(eventName))!;
      expect(rule.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [notifierId, 'Arn'] } })]);
    }
  });

  test('the notifier: reads these executions (with the key, for these state machines only) and the rotated secret, publishes to the topic, writes nothing', () => {
    const [, notifier] = functionsByKind(resources).notifier!;
    const statements = statementsOfFunction(resources, notifier);
    const states = statements.find((s) => actionsOf(s).includes('states:DescribeExecution'))!;
    expect(actionsOf(states).sort()).toEqual(['states:DescribeExecution', 'states:GetExecutionHistory']);
    expect((resolve(states.Resource) as string[]).sort()).toEqual([`${rotationArn.replace(':stateMachine:', ':execution:')}:*`, `${consoleArn.replace(':stateMachine:', ':execution:')}:*`].sort());
    const decrypt = statements.find((s) => actionsOf(s).includes('kms:Decrypt') && JSON.stringify(s.Condition ?? {}).includes('aws:states'))!;
    expect(resolve(decrypt.Condition)).toEqual({ StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': [rotationArn, consoleArn] } });
    const reads = statements.find((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'))!;
    expect(reads.Resource).toEqual(ROUTER);
    expect(statements.find((s) => actionsOf(s).includes('sns:Publish'))!.Resource).toEqual({ Ref: topicId });
    const all = statements.flatMap(actionsOf);
    for (const write of ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage', 'states:StartExecution', 'states:StopExecution']) expect(all).not.toContain(write);
  });

  test('the pending-rotation scanner runs hourly and reads stages and version dates only', () => {
    const [scanId, scanner] = functionsByKind(resources)['pending-scan']!;
    const schedule = rules.find((rule) => JSON.stringify(rule.Targets).includes(scanId))!;
    expect(schedule.ScheduleExpression).toBe('rate(1 hour)');
    expect(scanner.Properties!.Environment.Variables.PENDING_THRESHOLD_SECONDS).toBe(String(6 * 3600));
    expect(statementsOfFunction(resources, scanner).flatMap(actionsOf).filter((a) => a.startsWith('secretsmanager:')).sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:ListSecretVersionIds',
    ]);
  });
});

test('stack outputs: both state machine ARNs, the topic ARN, the dashboard URL', () => {
  expect(resolve(outputs.RotationStateMachineArn!.Value)).toBe(rotationArn);
  expect(resolve(outputs.ConsoleStateMachineArn!.Value)).toBe(consoleArn);
  expect(outputs.NotificationTopicArn!.Value).toEqual({ Ref: topicId });
  expect(resolve(outputs.DashboardUrl!.Value)).toBe(
    `https://${REGION}.console.aws.amazon.com/cloudwatch/home?region=${REGION}#dashboards/dashboard/${rotatorName}`,
  );
});

test('each part can be turned off, and a given topic is used instead of a new one', () => {
  const { stack: own } = nagCheckedStack();
  const given = sns.Topic.fromTopicArn(own, 'Ops', `arn:aws:sns:${REGION}:${ACCOUNT}:ops-alerts`);
  const built = new DevicePasswordRotator(own, 'Rotator', { secrets: [], monitoring: { topic: given, alarms: false, dashboard: false } });
  const other = Template.fromStack(own).toJSON().Resources as Resources;
  expect(built.monitoring.topic).toBe(given);
  expect(resourcesOfType(other, 'AWS::SNS::Topic')).toEqual([]);
  expect(resourcesOfType(other, 'AWS::CloudWatch::Alarm')).toEqual([]);
  expect(resourcesOfType(other, 'AWS::CloudWatch::Dashboard')).toEqual([]);
  const [, notifier] = functionsByKind(other).notifier!;
  expect(notifier.Properties!.Environment.Variables.TOPIC_ARN).toBe(given.topicArn);
});

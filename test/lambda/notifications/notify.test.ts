import * as fs from 'node:fs';
import * as path from 'node:path';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { notify, type NotifierSettings } from '../../../lambda/notifications/notify';
import { canaryPassword, expectNoSecrets } from '../../helpers/canary';
import { fakeSecretsManager, secretArnFor } from '../../helpers/fake-secrets-manager';
import { type ExecutionEnd, executionArnOf, fakeStepFunctions, lambdaCause, STATE_MACHINE_ARN } from '../../helpers/fake-step-functions';

/**
 * The notifier through its seams: the documented sample events (test/fixtures/events/) pointed at mocked executions
 * and secrets, SNS mocked (aws-sdk-client-mock). What each message says, and that no stored password is in it.
 */
const sfn = fakeStepFunctions();
const secrets = fakeSecretsManager();
const snsMock = mockClient(SNSClient);

const ARN = secretArnFor('devices/edge-1');
const CURRENT = '11111111-1111-4111-8111-111111111111';
const TOKEN = '22222222-2222-4222-8222-222222222222';
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:rotator-notifications';
const SETTINGS: NotifierSettings = { topicArn: TOPIC, rotationStateMachineArn: STATE_MACHINE_ARN, secretArns: [ARN] };
let current: string;
let pending: string;

const device = (password: string) => ({ vendor: 'oracle-sdwan-edge', host: 'edge-1.example.net', port: 8443, username: 'netops', password, tls: { certificateSha256: 'AB'.repeat(32) } });

beforeEach(() => {
  sfn.reset();
  secrets.reset();
  snsMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  current = canaryPassword('cur');
  pending = canaryPassword('pend');
  secrets.add(ARN, { [CURRENT]: { value: device(current), stages: ['AWSCURRENT'] }, [TOKEN]: { value: device(pending), stages: ['AWSPENDING'] } });
});

function sample(name: string, changes: (event: Record<string, any>) => void): Record<string, any> {
  const { event } = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/events', `${name}.json`), 'utf8'));
  changes(event);
  return event;
}

/** An execution of the mocked Step Functions that ended so, with this input. */
function ended(name: string, end: ExecutionEnd, input: Record<string, unknown>): void {
  sfn.exists(name, [end]);
  (sfn.executions.get(name) as { input?: string }).input = JSON.stringify(input);
}

/** The documented sample event, for that execution. */
function executionEvent(fixtureName: string, status: string, executionName: string): Record<string, any> {
  return sample(fixtureName, (event) => {
    event.detail.executionArn = executionArnOf(executionName);
    event.detail.stateMachineArn = STATE_MACHINE_ARN;
    event.detail.status = status;
  });
}

function published() {
  const calls = snsMock.commandCalls(PublishCommand);
  expect(calls).toHaveLength(1);
  const input = calls[0]!.args[0].input;
  const text = `${input.Subject}\n${input.Message}\n${JSON.stringify(input.MessageAttributes)}`;
  expectNoSecrets(text, [current, pending]);
  return input;
}

test('a failed execution: secret, device, failed state, error, its message, the action, and console links', async () => {
  ended(
    'set-abc-1',
    { status: 'FAILED', error: 'DeviceOutOfSyncError', cause: lambdaCause('DeviceOutOfSyncError', `Secret ${ARN}: no stored password logs in`), failedState: 'SD-WAN Edge: Log in and change password' },
    { action: 'set', secretArn: ARN, token: TOKEN },
  );
  await notify(executionEvent('step-functions-execution-failed', 'FAILED', 'set-abc-1'), SETTINGS);
  const input = published();
  expect(input.TopicArn).toBe(TOPIC);
  expect(input.Subject).toBe('Rotator: set failed: devices/edge-1: DeviceOutOfSyncError');
  expect(input.Subject!.length).toBeLessThanOrEqual(100);
  expect(input.Message).toContain(`Secret:       devices/edge-1 (${ARN})`);
  expect(input.Message).toContain('Device:       edge-1.example.net:8443, Oracle SD-WAN Edge, account netops');
  expect(input.Message).toContain('Failed state: SD-WAN Edge: Log in and change password');
  expect(input.Message).toContain('Error:        DeviceOutOfSyncError');
  expect(input.Message).toContain(`Message:      Secret ${ARN}: no stored password logs in`);
  expect(input.Message).toContain('What to do:   Someone changed the device password outside the rotator');
  expect(input.Message).toContain(`https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${executionArnOf('set-abc-1')}`);
  expect(input.MessageAttributes).toEqual({
    kind: { DataType: 'String', StringValue: 'execution' },
    status: { DataType: 'String', StringValue: 'FAILED' },
    errorName: { DataType: 'String', StringValue: 'DeviceOutOfSyncError' },
  });
});

test('a password echoed in an error message is scrubbed from the notification, in any encoding', async () => {
  const leaky = `device said: bad password ${current}, base64 ${Buffer.from(`netops:${pending}`).toString('base64')}`;
  ended('set-abc-1', { status: 'FAILED', error: 'PasswordRejectedError', cause: lambdaCause('PasswordRejectedError', leaky) }, { action: 'set', secretArn: ARN, token: TOKEN });
  await notify(executionEvent('step-functions-execution-failed', 'FAILED', 'set-abc-1'), SETTINGS);
  expect(published().Message).toContain('[REDACTED]');
});

test.each([
  ['step-functions-execution-timed-out', 'TIMED_OUT', 'timed out', 'States.Timeout', 'ran past its timeout'],
  ['step-functions-execution-aborted', 'ABORTED', 'was aborted', 'ExecutionAborted', 'Someone stopped the execution'],
])('%s: the status names the error and the action', async (fixtureName, status, word, errorName, action) => {
  ended('rotate-1', { status: status as ExecutionEnd['status'], failedState: 'Log in and change password' }, { action: 'rotate', secretArn: ARN });
  await notify(executionEvent(fixtureName, status, 'rotate-1'), SETTINGS);
  const input = published();
  expect(input.Subject).toBe(`Rotator: rotate ${word}: devices/edge-1: ${errorName}`);
  expect(input.Message).toContain(`Error:        ${errorName}`);
  expect(input.Message).toContain(action);
});

test('an execution whose input names no secret still notifies, saying so', async () => {
  ended('console-bad', { status: 'FAILED', error: 'InvalidExecutionInput', cause: 'The console runs rotate and verify only', failedState: 'Invalid input' }, { action: 'delete' });
  await notify(executionEvent('step-functions-execution-failed', 'FAILED', 'console-bad'), SETTINGS);
  const input = published();
  expect(input.Message).toContain('Device:       unknown: the execution names no secret');
  expect(input.Message).toContain('the console runs "rotate", "verify", "abandon" and "heartbeat" only');
});

test('RotationFailed of an enrolled secret: the pending version, the set execution to look for, the action', async () => {
  const event = sample('secrets-manager-rotation-failed', (e) => {
    e.detail.additionalEventData.SecretId = ARN;
  });
  await notify(event, SETTINGS);
  const input = published();
  expect(input.Subject).toBe('Rotator: rotation failed: devices/edge-1');
  expect(input.Message).toContain(`Pending:      AWSPENDING on version ${TOKEN}`);
  expect(input.Message).toContain('Message:      Error when executing lambda arn:aws:lambda:us-east-1:123456789012:function:MyRotationFunction during setSecret step');
  expect(input.Message).toMatch(/look for set-[0-9a-f]{10}-22222222-2222-4222-8222-222222222222/);
  expect(input.Message).toContain('a console "rotate" resumes that rotation');
});

test('RotationFailed of a secret this rotator does not rotate publishes nothing', async () => {
  const other = secretArnFor('someone-else/db', 'QwErTy');
  secrets.add(other, { [CURRENT]: { value: { engine: 'mysql' }, stages: ['AWSCURRENT'] } });
  const event = sample('secrets-manager-rotation-failed', (e) => {
    e.detail.additionalEventData.SecretId = other;
  });
  await expect(notify(event, SETTINGS)).resolves.toBeUndefined();
  expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
});

test('an event it does not handle fails loudly', async () => {
  await expect(notify({ source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', detail: {} }, SETTINGS)).rejects.toThrow(/not an event it handles/);
});

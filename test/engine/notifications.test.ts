import { randomUUID } from 'node:crypto';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { Vendor } from '../../lambda/device/types';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../local/aws/protocol';
import { startSimulator } from '../../local/simulators';
import { expectNoSecrets } from '../helpers/canary';
import { useLocalEngine } from '../helpers/engine-harness';

/**
 * Notifications for real failures: rotations that fail on the local engine (the synthesized state machines, the
 * production handlers, the simulated devices), each failed execution turned into the EventBridge event AWS sends
 * (https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html), and Secrets Manager's RotationFailed into
 * its CloudTrail service event; the notifier handler, invoked as EventBridge invokes it, publishes the message (SNS
 * mocked with aws-sdk-client-mock). Every canary password is looked for in every message.
 */
const harness = useLocalEngine();
const sns = mockClient(SNSClient);
const TOPIC = `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rotator-notifications`;
const USER = 'netops';
const secretArns: string[] = [];
/** The notifier, as the engine registered it from the synthesized template (the production handler). */
const notifier = () => harness.engine.functionArns.notifier!;

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: randomUUID() });
});

/** A simulated device and its secret; the device's password then changed by hand when `outOfSync`. */
async function deviceSecret(vendor: Vendor, name: string, options: { outOfSync?: boolean; wrongPin?: boolean } = {}) {
  const password = harness.canary('cur');
  const device = await startSimulator(vendor, { users: [{ username: USER, password, role: 'admin' }] });
  harness.devices.push(device);
  const secretArn = await harness.engine.createDeviceSecret(name, {
    vendor,
    host: device.host,
    port: device.port,
    username: USER,
    password,
    tls: { certificateSha256: options.wrongPin === true ? '00'.repeat(32) : device.fingerprint256 },
  });
  secretArns.push(secretArn);
  if (options.outOfSync === true) device.overwriteAccount(USER, { password: harness.canary('hand') });
  return { device, secretArn };
}

/** The "Step Functions Execution Status Change" event of an ended execution, as Step Functions sends it. */
async function statusChangeEvent(executionArn: string) {
  const described = await harness.engine.clients.stepFunctions.send(new DescribeExecutionCommand({ executionArn }));
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: LOCAL_ACCOUNT,
    time: new Date().toISOString(),
    region: LOCAL_REGION,
    resources: [executionArn],
    detail: {
      executionArn,
      stateMachineArn: described.stateMachineArn,
      name: described.name,
      status: described.status,
      startDate: described.startDate?.getTime(),
      stopDate: described.stopDate?.getTime() ?? null,
      input: described.input,
      inputDetails: { included: true },
      output: null,
      outputDetails: null,
      error: described.error,
      cause: described.cause,
    },
  };
}

/** Every message published while the handler ran, after checking it holds no password of this file. */
async function invokeNotifier(event: unknown): Promise<PublishCommandInput[]> {
  // The environment the construct gives the notifier: its topic, the rotation state machine, the listed secrets.
  Object.assign(process.env, { TOPIC_ARN: TOPIC, ROTATION_STATE_MACHINE_ARN: harness.engine.stateMachineArn, SECRET_ARNS: JSON.stringify(secretArns) });
  const result = await harness.engine.lambda.invoke(notifier(), event);
  expect(result.ok).toBe(true);
  const inputs = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
  for (const input of inputs) expectNoSecrets(`${input.Subject}\n${input.Message}\n${JSON.stringify(input.MessageAttributes)}`, harness.secretsSeen);
  return inputs;
}

async function failedExecutionOf(secretToken: string): Promise<string> {
  const listed = await harness.engine.clients.stepFunctions.send(new ListExecutionsCommand({ stateMachineArn: harness.engine.stateMachineArn, statusFilter: 'FAILED' }));
  const execution = listed.executions?.find((e) => e.name?.startsWith('set-') === true && e.name.endsWith(secretToken));
  expect(execution).toBeDefined();
  return execution!.executionArn!;
}

test('a scheduled rotation of a device changed by hand: DeviceOutOfSyncError, named with its device, state and action', async () => {
  const { device, secretArn } = await deviceSecret('oracle-sdwan-edge', 'notify/sdwan-oos', { outOfSync: true });
  await harness.engine.rotateSecret(secretArn);
  const failure = harness.engine.secrets.lastRotationError(secretArn)!;
  expect(failure.step).toBe('setSecret');

  const [message, ...others] = await invokeNotifier(await statusChangeEvent(await failedExecutionOf(failure.token)));
  expect(others).toHaveLength(0);
  expect(message!.TopicArn).toBe(TOPIC);
  expect(message!.Subject).toBe('Rotator: set failed: notify/sdwan-oos: DeviceOutOfSyncError');
  const text = message!.Message!;
  expect(text).toContain(`Secret:       notify/sdwan-oos (${secretArn})`);
  expect(text).toContain(`Device:       ${device.host}:${device.port}, Oracle SD-WAN Edge, account ${USER}`);
  expect(text).toContain('Failed state: SD-WAN Edge: Log in and change password');
  expect(text).toContain('Error:        DeviceOutOfSyncError');
  expect(text).toMatch(new RegExp(`Message:      Secret ${secretArn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*no stored .*log`, 's'));
  expect(text).toContain('What to do:   Someone changed the device password outside the rotator');
  expect(text).toContain(`#/v2/executions/details/${harness.engine.stateMachineArn.replace(':stateMachine:', ':execution:')}:set-`);

  // Secrets Manager's own event of the same failure, as CloudTrail delivers it through EventBridge.
  sns.resetHistory();
  const [rotation] = await invokeNotifier({
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS Service Event via CloudTrail',
    source: 'aws.secretsmanager',
    account: LOCAL_ACCOUNT,
    time: new Date().toISOString(),
    region: LOCAL_REGION,
    resources: [],
    detail: {
      eventSource: 'secretsmanager.amazonaws.com',
      eventName: 'RotationFailed',
      errorMessage: `Error when executing lambda ${harness.engine.rotationFunctionArn} during ${failure.step} step`,
      additionalEventData: { SecretId: secretArn },
      eventType: 'AwsServiceEvent',
    },
  });
  expect(rotation!.Subject).toBe('Rotator: rotation failed: notify/sdwan-oos');
  expect(rotation!.Message).toContain(`Pending:      AWSPENDING on version ${failure.token}`);
  expect(rotation!.Message).toContain(`during setSecret step`);
  expect(rotation!.Message).toContain(`-${failure.token} and test-…`);
});

test('a console rotate refused by TLS pinning: TlsVerificationError, on the console state machine', async () => {
  const { secretArn } = await deviceSecret('wso2-emm', 'notify/wso2-pin', { wrongPin: true });
  await harness.engine.rotateSecret(secretArn, { rotateImmediately: false }).catch(() => undefined);
  const rotate = await harness.engine.runExecution({ action: 'rotate', secretArn });
  expect(rotate.status).toBe('FAILED');
  const [message] = await invokeNotifier(await statusChangeEvent(rotate.arn));
  expect(message!.Subject).toBe('Rotator: rotate failed: notify/wso2-pin: TlsVerificationError');
  expect(message!.Message).toContain('(DevicePasswordRotator-console)');
  expect(message!.Message).toContain('Error:        TlsVerificationError');
  expect(message!.Message).toContain('What to do:   The device presented another certificate than the pinned one');
});

import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { secretTag } from '../../lambda/rotation/execution-names';
import type { Context } from 'aws-lambda';
import { VENDORS, type Vendor } from '../../lambda/device/types';
import { handlerFor } from '../../local/engine/functions';
import type { LocalEngine } from '../../local/engine/local-engine';
import type { SimulatedDevice } from '../../local/simulators';
import { CHANGE_REQUEST, deviceSecretFor, startSimulator } from '../../local/simulators';
import { canaryPassword } from '../helpers/canary';
import { useLocalEngine } from '../helpers/engine-harness';
import { DEVICE_FUNCTION_TIMEOUT, ROTATION_FUNCTION_TIMEOUT } from '../../infra/device-password-rotator';
import { TASK_TIMEOUT_MARGIN } from '../../infra/rotation-workflow';

/**
 * The product end to end: the state machine CDK synthesizes, run locally; Secrets Manager's four rotation steps and
 * every task dispatched to the production handlers; the devices simulated. Every password, token and aasID any test
 * uses is collected, and the execution histories and everything printed are scanned for them at the end.
 */
const USER = 'admin';

const harness = useLocalEngine();
const { secretsSeen, devices } = harness;
let engine: LocalEngine;
beforeAll(() => {
  engine = harness.engine;
});

/** A simulated device holding a canary password, and its secret in Secrets Manager. */
async function deviceWithSecret(vendor: Vendor, name: string, extra: Record<string, unknown> = {}) {
  const password = canaryPassword('old');
  secretsSeen.push(password);
  const device = await startSimulator(vendor, { users: [{ username: USER, password }] });
  devices.push(device);
  const secretArn = await engine.createDeviceSecret(name, { ...deviceSecretFor(device, { username: USER, password }), ...extra });
  return { device, secretArn, oldPassword: password };
}

const stored = (secretArn: string) => engine.stored(secretArn);

/** After a successful rotation: the new password logs in, the old one is refused, the secret moved on. */
async function expectRotated(device: SimulatedDevice, secretArn: string, oldPassword: string) {
  const after = stored(secretArn);
  secretsSeen.push(after.current as string);
  expect(after.current).toBeDefined();
  expect(after.current).not.toBe(oldPassword);
  expect(after.previous).toBe(oldPassword);
  expect(device.passwordOf(USER)).toBe(after.current);
  expect(device.isLocked(USER)).toBe(false);
  const verify = await engine.runExecution({ action: 'verify', secretArn });
  expect(verify.status).toBe('SUCCEEDED');
}

describe.each(VENDORS)('%s', (vendor) => {
  test('a scheduled rotation: Secrets Manager calls the four steps, the device and the secret end on the new password', async () => {
    const { device, secretArn, oldPassword } = await deviceWithSecret(vendor, `${vendor}/scheduled`);
    await engine.rotateSecret(secretArn);
    expect(engine.secrets.lastRotationError(secretArn)).toBeUndefined();
    await expectRotated(device, secretArn, oldPassword);
    expect(device.account(USER).passwordChanges).toBe(1);
    expect(device.failedLoginsOf(USER)).toBe(0);
  });

  test('a console "rotate" completes a rotation in one execution; a console "verify" changes nothing', async () => {
    const { device, secretArn, oldPassword } = await deviceWithSecret(vendor, `${vendor}/console`);
    // Rotation configured as a deploy configures it (that runs testSecret alone, which changes nothing).
    await engine.rotateSecret(secretArn, { rotateImmediately: false });
    const verify = await engine.runExecution({ action: 'verify', secretArn });
    expect(verify.status).toBe('SUCCEEDED');
    expect(device.account(USER).passwordChanges).toBe(0);
    expect(stored(secretArn).versions).toHaveLength(1);

    const rotate = await engine.runExecution({ action: 'rotate', secretArn });
    expect(rotate.status).toBe('SUCCEEDED');
    await expectRotated(device, secretArn, oldPassword);
    expect(device.account(USER).passwordChanges).toBe(1);
    // Left as a finished rotation: no version other than AWSCURRENT is pending.
    const pending = stored(secretArn).withStage('AWSPENDING');
    expect(pending === undefined || pending.VersionStages.includes('AWSCURRENT')).toBe(true);
  });

  test('every rotation step run twice gives the same result: one device change, one execution per step', async () => {
    const { device, secretArn, oldPassword } = await deviceWithSecret(vendor, `${vendor}/twice`);
    const rotation = await handlerFor('rotation');
    const pendingAfter: Record<string, string | undefined> = {};
    const twice = engine.lambda.register(
      `RotateTwice-${vendor.replace(/[^a-z]/g, '')}`,
      async (event: { Step: string; SecretId: string }, context: Context) => {
        await rotation(event, context);
        const first = stored(event.SecretId).withStage('AWSPENDING')?.SecretString;
        const result = await rotation(event, context);
        const second = stored(event.SecretId).withStage('AWSPENDING')?.SecretString;
        expect(second).toBe(first);
        pendingAfter[event.Step] = second;
        return result;
      },
      { timeoutMs: 120_000 },
    );
    await engine.rotateSecret(secretArn, { rotationFunctionArn: twice });
    expect(engine.secrets.lastRotationError(secretArn)).toBeUndefined();
    expect(Object.keys(pendingAfter)).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);
    await expectRotated(device, secretArn, oldPassword);
    expect(device.account(USER).passwordChanges).toBe(1);
    const executions = await engine.clients.stepFunctions.send(new ListExecutionsCommand({ stateMachineArn: engine.stateMachineArn }));
    const names = (executions.executions ?? []).map((execution) => execution.name ?? '').filter((name) => name.startsWith('set-') || name.startsWith('test-'));
    const token = stored(secretArn).withStage('AWSCURRENT')?.VersionId;
    const tag = secretTag(secretArn);
    expect(names.filter((name) => name.endsWith(token as string)).sort()).toEqual([`set-${tag}-${token}`, `test-${tag}-${token}`]);
  });

  test('RotateImmediately=false runs only testSecret: it logs in with AWSCURRENT and changes nothing', async () => {
    const { device, secretArn, oldPassword } = await deviceWithSecret(vendor, `${vendor}/test-only`);
    await engine.rotateSecret(secretArn, { rotateImmediately: false });
    expect(engine.secrets.lastRotationError(secretArn)).toBeUndefined();
    expect(device.passwordOf(USER)).toBe(oldPassword);
    expect(device.account(USER).passwordChanges).toBe(0);
    expect(stored(secretArn).current).toBe(oldPassword);
  });

  test('an answer lost after the device changed the password is resumed without a second change', async () => {
    const { device, secretArn, oldPassword } = await deviceWithSecret(vendor, `${vendor}/lost-answer`);
    device.injectFault({ ...CHANGE_REQUEST[vendor], fault: { kind: 'drop-after' } });
    await engine.rotateSecret(secretArn);
    expect(engine.secrets.lastRotationError(secretArn)).toBeUndefined();
    await expectRotated(device, secretArn, oldPassword);
    expect(device.account(USER).passwordChanges).toBe(1);
    // Finding out cost exactly one refused login (the old password), far from a lockout.
    expect(device.failedLoginsOf(USER)).toBeLessThanOrEqual(1);
  });
});

describe('multitech-mpower conversation', () => {
  test('an aasID that expires mid-conversation is restarted from login and succeeds, with one change', async () => {
    const { device, secretArn, oldPassword } = await deviceWithSecret('multitech-mpower', 'mpower/expired-aasid');
    await engine.rotateSecret(secretArn, { rotateImmediately: false });
    device.injectFault({ on: 'passwd', skip: 3, fault: { kind: 'conversation-expired' } });
    const rotate = await engine.runExecution({ action: 'rotate', secretArn });
    expect(rotate.status).toBe('SUCCEEDED');
    const entered = rotate.history.map((event) => event.stateEnteredEventDetails?.name).filter(Boolean);
    expect(entered).toContain('mPower: Count restart');
    expect(entered.filter((name) => name === 'mPower: Log in')).toHaveLength(2);
    await expectRotated(device, secretArn, oldPassword);
    expect(device.account(USER).passwordChanges).toBe(1);
  });

  test("the device secret's conversation.maxRestarts bounds the restarts of its conversation (0: the first interruption fails it)", async () => {
    const { device, secretArn, oldPassword } = await deviceWithSecret('multitech-mpower', 'mpower/no-restarts', { conversation: { maxRestarts: 0 } });
    await engine.rotateSecret(secretArn, { rotateImmediately: false });
    device.injectFault({ on: 'passwd', skip: 3, fault: { kind: 'conversation-expired' } });
    const rotate = await engine.runExecution({ action: 'rotate', secretArn });
    expect(rotate).toMatchObject({ status: 'FAILED', error: 'TooManyRestarts' });
    expect(rotate.cause).toContain("conversation.maxRestarts");
    const entered = rotate.history.map((event) => event.stateEnteredEventDetails?.name).filter(Boolean);
    expect(entered.filter((name) => name === 'mPower: Log in')).toHaveLength(1);
    expect(device.passwordOf(USER)).toBe(oldPassword);
  });

  test('each question-answer step is its own state with its own timeout, longer than its function may run', () => {
    const states = engine.definition.States as Record<string, { Type: string; TimeoutSeconds?: number }>;
    for (const name of ['mPower: Log in', 'mPower: Open password conversation', 'mPower: Acknowledge', 'mPower: Answer current password', 'mPower: Answer new password', 'mPower: Retype new password']) {
      expect(states[name]).toMatchObject({ Type: 'Task', TimeoutSeconds: DEVICE_FUNCTION_TIMEOUT.plus(TASK_TIMEOUT_MARGIN).toSeconds() });
    }
  });

  test('every task state of both state machines has a timeout longer than its function\'s, so a timed-out step cannot act after its restart', () => {
    for (const definition of Object.values(engine.definitions)) {
      const tasks = Object.entries(definition.States as Record<string, { Type: string; TimeoutSeconds?: number; Resource?: string; Parameters?: { FunctionName?: string } }>).filter(
        ([, state]) => state.Type === 'Task',
      );
      expect(tasks.length).toBeGreaterThan(10);
      for (const [name, state] of tasks) {
        const fn = String(state.Parameters?.FunctionName ?? state.Resource ?? '');
        const functionTimeout = /RotationFunction/.test(fn) ? ROTATION_FUNCTION_TIMEOUT : DEVICE_FUNCTION_TIMEOUT;
        expect({ name, timeout: state.TimeoutSeconds }).toEqual({ name, timeout: functionTimeout.plus(TASK_TIMEOUT_MARGIN).toSeconds() });
      }
    }
  });
});

describe('failures', () => {
  test('an out-of-sync device stops the rotation after one try per stored version, and a retry tries nothing more', async () => {
    const { device, secretArn } = await deviceWithSecret('oracle-sdwan-edge', 'failures/out-of-sync');
    const changedByHand = canaryPassword('hand');
    secretsSeen.push(changedByHand);
    device.overwriteAccount(USER, { password: changedByHand });
    await engine.rotateSecret(secretArn);
    const failure = engine.secrets.lastRotationError(secretArn);
    expect(failure?.step).toBe('setSecret');
    expect(failure?.errorType).toBe('ExecutionFailedError');
    expect(failure?.errorMessage).toMatch(/failed in state "SD-WAN Edge: Log in and change password": DeviceOutOfSyncError/);
    expect(failure?.errorMessage).toContain(secretArn);
    expect(failure?.errorMessage).toMatch(/Set the device password to the AWSCURRENT value/);
    const attempts = device.failedLoginsOf(USER);
    expect(attempts).toBe(2);

    // Secrets Manager retries the step with the same token: the failure is reported again, the device is left alone.
    const token = stored(secretArn).withStage('AWSPENDING')?.VersionId as string;
    const retry = await engine.lambda.invoke(engine.rotationFunctionArn, { Step: 'setSecret', SecretId: secretArn, ClientRequestToken: token });
    expect(retry.ok).toBe(false);
    expect(retry.ok === false && retry.errorMessage).toMatch(/DeviceOutOfSyncError/);
    expect(device.failedLoginsOf(USER)).toBe(attempts);
    expect(device.isLocked(USER)).toBe(false);
  });

  test('a new password the device refuses fails the rotation, names the device, and AWSCURRENT still logs in', async () => {
    const { device, secretArn, oldPassword } = await deviceWithSecret('oracle-unified-assurance', 'failures/refused');
    device.injectFault({ on: 'change-password', fault: { kind: 'reject-new-password' }, times: Infinity });
    await engine.rotateSecret(secretArn);
    const failure = engine.secrets.lastRotationError(secretArn);
    expect(failure?.errorMessage).toMatch(/PasswordRejectedError/);
    expect(failure?.errorMessage).toContain(`${device.host}:${device.port}`);
    expect(device.passwordOf(USER)).toBe(oldPassword);
    expect(stored(secretArn).current).toBe(oldPassword);
    expect(device.account(USER).passwordChanges).toBe(0);
  });

  test('a console "rotate" resumes a failed scheduled rotation with its own token once the cause is gone', async () => {
    const { device, secretArn, oldPassword } = await deviceWithSecret('oracle-unified-assurance', 'failures/resume');
    device.injectFault({ on: 'change-password', fault: { kind: 'reject-new-password' } });
    await engine.rotateSecret(secretArn);
    expect(engine.secrets.lastRotationError(secretArn)?.errorMessage).toMatch(/PasswordRejectedError/);
    const stuck = stored(secretArn).withStage('AWSPENDING');
    expect(stuck?.VersionStages).toEqual(['AWSPENDING']);

    const rotate = await engine.runExecution({ action: 'rotate', secretArn });
    expect(rotate.status).toBe('SUCCEEDED');
    expect(JSON.parse(rotate.history.find((event) => event.stateExitedEventDetails?.name === 'Use rotation token')?.stateExitedEventDetails?.output ?? '{}')).toMatchObject({
      token: stuck?.VersionId,
      resumed: true,
    });
    expect(stored(secretArn).withStage('AWSCURRENT')?.VersionId).toBe(stuck?.VersionId);
    await expectRotated(device, secretArn, oldPassword);
  });

  test('a console "rotate" of a secret whose rotation is turned off is refused, and nothing changes', async () => {
    const { device, secretArn, oldPassword } = await deviceWithSecret('wso2-emm', 'failures/rotation-off');
    const run = await engine.runExecution({ action: 'rotate', secretArn });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('RotationStateError');
    expect(run.cause).toMatch(/rotation is not enabled on this secret/);
    expect(device.passwordOf(USER)).toBe(oldPassword);
    expect(stored(secretArn).versions).toHaveLength(1);
  });

  test('a console execution with a bad input fails at once with a message saying what the input must be', async () => {
    const run = await engine.runExecution({ action: 'rotate-now', secretArn: 'x' });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('InvalidExecutionInput');
    expect(run.cause).toMatch(/"action": "rotate" \| "verify"/);
  });
});

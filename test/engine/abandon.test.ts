import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { Vendor } from '../../lambda/device/types';
import { accountOf } from '../../lambda/ledger/account';
import { DeviceLedger } from '../../lambda/ledger/device-ledger';
import type { LocalEngine } from '../../local/engine/local-engine';
import { CHANGE_REQUEST, deviceSecretFor, type SimulatedDevice, startSimulator } from '../../local/simulators';
import { useLocalEngine } from '../helpers/engine-harness';
import { handler as rotationHandler } from '../../lambda/handlers/rotation';
import type { Context } from 'aws-lambda';

/**
 * The console `abandon` of a stuck rotation, end to end through the synthesized console state machine: it finds which
 * stored version the device is on (within the budget, changing nothing on the device) and moves the labels to it, or
 * changes nothing and says why.
 */
const USER = 'admin';
const harness = useLocalEngine({ deviceRequestTimeoutMs: 6_000 });
let engine: LocalEngine;
beforeAll(() => {
  engine = harness.engine;
});

const ledger = () => new DeviceLedger({ tableName: engine.ledgerTable });
const accountOfDevice = (device: SimulatedDevice) => accountOf({ vendor: device.vendor, host: device.host, port: device.port, username: USER });
const stages = (secretArn: string) => Object.fromEntries(engine.stored(secretArn).versions.map((version) => [version.VersionId, [...version.VersionStages].sort()]));
const TOKEN = '3c2e6a2e-4b3c-4d5e-8f90-a1b2c3d4e5f9';

/** A device secret with a stuck rotation: AWSPENDING on a version (TOKEN) with its own password, the device on `deviceOn`. */
async function stuckRotation(vendor: Vendor, name: string, deviceOn: 'current' | 'pending' | 'neither') {
  const current = harness.canary('current');
  const pending = harness.canary('pending');
  const onDevice = { current, pending, neither: harness.canary('by-hand') }[deviceOn];
  const device = await startSimulator(vendor, { users: [{ username: USER, password: onDevice }] });
  harness.devices.push(device);
  const value = deviceSecretFor(device, { username: USER, password: current });
  const secretArn = await engine.createDeviceSecret(name, value);
  await engine.clients.secretsManager.send(
    new PutSecretValueCommand({ SecretId: secretArn, ClientRequestToken: TOKEN, SecretString: JSON.stringify({ ...value, password: pending }), VersionStages: ['AWSPENDING'] }),
  );
  const currentVersion = engine.stored(secretArn).withStage('AWSCURRENT')?.VersionId as string;
  return { device, secretArn, currentVersion, passwords: { current, pending } };
}

const abandon = (secretArn: string) => engine.runExecution({ action: 'abandon', secretArn });
const messageOf = (run: { cause?: string }) => (JSON.parse(run.cause ?? '{}') as { errorMessage?: string }).errorMessage ?? '';

test('the device is on the pending version (its change noted in the ledger): the rotation is finished as finishSecret would, with no failed login', async () => {
  const { device, secretArn, currentVersion, passwords } = await stuckRotation('oracle-unified-assurance', 'abandon/on-pending', 'pending');
  await ledger().noteChangeSent(accountOfDevice(device), TOKEN, 'a rotation whose answer was lost');
  const run = await abandon('abandon/on-pending');
  expect(run.status).toBe('SUCCEEDED');
  expect(JSON.parse(run.output ?? '{}')).toEqual({
    action: 'abandon',
    secretArn,
    outcome: 'finished',
    versions: { outcome: 'finished', pendingVersion: TOKEN, currentVersion: TOKEN, previousVersion: currentVersion },
  });
  expect(stages(secretArn)).toEqual({ [TOKEN]: ['AWSCURRENT'], [currentVersion]: ['AWSPREVIOUS'] });
  expect(engine.stored(secretArn).current).toBe(passwords.pending);
  expect(device.passwordOf(USER)).toBe(passwords.pending);
  expect(device.account(USER).totalFailedLogins).toBe(0);
  expect(device.account(USER).passwordChanges).toBe(0);
  expect((await ledger().read(accountOfDevice(device))).lease).toBeUndefined();
  // The settle task run again (a retried task) changes nothing more.
  const context = { getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
  const again = await rotationHandler({ operation: 'abandon-settle', secretArn, token: TOKEN, onDevice: 'pending', execution: run.arn }, context);
  expect(again).toMatchObject({ outcome: 'finished', currentVersion: TOKEN, previousVersion: currentVersion });
  expect(stages(secretArn)).toEqual({ [TOKEN]: ['AWSCURRENT'], [currentVersion]: ['AWSPREVIOUS'] });
});

test('the device is on the pending version without a note: AWSCURRENT is refused once (within the budget), then the rotation is finished', async () => {
  const { device, secretArn } = await stuckRotation('wso2-emm', 'abandon/on-pending-unnoted', 'pending');
  const run = await abandon(secretArn);
  expect(run.status).toBe('SUCCEEDED');
  expect(JSON.parse(run.output ?? '{}').outcome).toBe('finished');
  expect(stages(secretArn)[TOKEN]).toEqual(['AWSCURRENT']);
  expect(device.account(USER).totalFailedLogins).toBe(1);
  expect(device.lockoutsOf(USER)).toBe(0);
});

test('the device is on AWSCURRENT: AWSPENDING is removed from the pending version, AWSCURRENT stays', async () => {
  const { device, secretArn, currentVersion, passwords } = await stuckRotation('oracle-sdwan-edge', 'abandon/on-current', 'current');
  const run = await abandon(secretArn);
  expect(run.status).toBe('SUCCEEDED');
  expect(JSON.parse(run.output ?? '{}')).toMatchObject({ outcome: 'pending-removed', versions: { pendingVersion: TOKEN, currentVersion } });
  expect(stages(secretArn)).toEqual({ [TOKEN]: [], [currentVersion]: ['AWSCURRENT'] });
  expect(device.passwordOf(USER)).toBe(passwords.current);
  expect(device.account(USER).totalFailedLogins).toBe(0);
  // Nothing is left to abandon, and a rotation can start again.
  expect(JSON.parse((await abandon(secretArn)).output ?? '{}').outcome).toBe('nothing-to-abandon');
});

test('the device is on neither: nothing changes, and the error says so and what to do', async () => {
  const { device, secretArn, currentVersion } = await stuckRotation('oracle-unified-assurance', 'abandon/neither', 'neither');
  const before = stages(secretArn);
  const run = await abandon(secretArn);
  expect(run.status).toBe('FAILED');
  expect(run.error).toBe('AbandonRefusedError');
  const message = messageOf(run);
  expect(message).toContain(`Secret ${secretArn}: abandon of the pending rotation (version ${TOKEN}) changed nothing: neither stored version logs in`);
  expect(message).toContain('AWSCURRENT and AWSPENDING stay where they are');
  expect(message).toContain('set it to AWSCURRENT');
  expect(stages(secretArn)).toEqual(before);
  expect(stages(secretArn)[currentVersion]).toEqual(['AWSCURRENT']);
  // Two distinct passwords, each tried once: within Unified Assurance's budget of 3 (locks after 5).
  expect(device.account(USER).totalFailedLogins).toBe(2);
  expect(device.lockoutsOf(USER)).toBe(0);
});

test('an mPower on neither (locks after 3): the budget stops it after one refusal, nothing changes, and it says when to try again', async () => {
  const { device, secretArn } = await stuckRotation('multitech-mpower', 'abandon/neither-mpower', 'neither');
  const before = stages(secretArn);
  const run = await abandon(secretArn);
  expect(run.error).toBe('AbandonRefusedError');
  expect(messageOf(run)).toMatch(/changed nothing: the failed-login budget is spent .*Start abandon again after \d{4}-/);
  expect(stages(secretArn)).toEqual(before);
  expect(device.account(USER).totalFailedLogins).toBe(1);
  expect(device.lockoutsOf(USER)).toBe(0);
});

test('no rotation pending: nothing to abandon, and nothing is sent to the device', async () => {
  const password = harness.canary('only');
  const device = await startSimulator('oracle-unified-assurance', { users: [{ username: USER, password }] });
  harness.devices.push(device);
  const secretArn = await engine.createDeviceSecret('abandon/nothing', deviceSecretFor(device, { username: USER, password }));
  const run = await abandon(secretArn);
  expect(run.status).toBe('SUCCEEDED');
  expect(JSON.parse(run.output ?? '{}')).toEqual({ action: 'abandon', secretArn, outcome: 'nothing-to-abandon' });
  expect(device.requests).toHaveLength(0);
});

test('while a rotation runs: abandon is refused by the lease (RotationInProgressError) and the rotation completes', async () => {
  const password = harness.canary('old');
  const device = await startSimulator('oracle-unified-assurance', { users: [{ username: USER, password }] });
  harness.devices.push(device);
  const secretArn = await engine.createDeviceSecret('abandon/racing', deviceSecretFor(device, { username: USER, password }));
  await engine.rotateSecret(secretArn, { rotateImmediately: false });
  device.injectFault({ ...CHANGE_REQUEST['oracle-unified-assurance'], fault: { kind: 'latency', ms: 3_000 } });
  const rotation = engine.runExecution({ action: 'rotate', secretArn });
  for (let waited = 0; (await ledger().read(accountOfDevice(device))).lease === undefined && waited < 1000; waited += 1) await new Promise((r) => setTimeout(r, 20));
  const run = await abandon(secretArn);
  expect(run.status).toBe('FAILED');
  expect(run.error).toBe('RotationInProgressError');
  const rotated = await rotation;
  expect(rotated.status).toBe('SUCCEEDED');
  harness.secretsSeen.push(engine.stored(secretArn).current as string);
  expect(device.passwordOf(USER)).toBe(engine.stored(secretArn).current);
  expect(device.account(USER).passwordChanges).toBe(1);
});

test('input validation stays: abandon and heartbeat need a secret, and only the console state machine runs them', async () => {
  for (const input of [{ action: 'abandon' }, { action: 'heartbeat', secretArn: 42 }, { action: 'abandon', secretArn: ['x'] }]) {
    const run = await engine.runExecution(input);
    expect(run.error).toBe('InvalidExecutionInput');
    expect(run.history.some((event) => event.type === 'TaskScheduled')).toBe(false);
  }
  for (const action of ['abandon', 'heartbeat']) {
    const run = await engine.runRotationExecution({ action, secretArn: 'abandon/anything' });
    expect(run.error).toBe('InvalidExecutionInput');
    expect(run.history.some((event) => event.type === 'TaskScheduled')).toBe(false);
  }
});

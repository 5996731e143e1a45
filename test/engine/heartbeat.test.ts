import type { Vendor } from '../../lambda/device/types';
import { accountOf } from '../../lambda/ledger/account';
import { DeviceLedger } from '../../lambda/ledger/device-ledger';
import { lockoutOf } from '../../lambda/ledger/lockout';
import { handler as heartbeatDispatcher } from '../../lambda/handlers/heartbeat';
import { heartbeatExecutionName, heartbeatSlot } from '../../lambda/heartbeat/slots';
import type { LocalEngine } from '../../local/engine/local-engine';
import { deviceSecretFor, type SimulatedDevice, startSimulator } from '../../local/simulators';
import { useLocalEngine } from '../helpers/engine-harness';
import type { Context } from 'aws-lambda';

/**
 * The heartbeat end to end, through the console state machine CDK synthesizes: a login with AWSCURRENT that changes
 * nothing, within the device ledger's budget, its result kept in the ledger; a device whose password was changed by
 * hand is found drifted without being locked, however often the heartbeat runs.
 */
const USER = 'admin';
const harness = useLocalEngine({ deviceRequestTimeoutMs: 1_000 });
let engine: LocalEngine;
beforeAll(() => {
  engine = harness.engine;
});

async function deviceWithSecret(vendor: Vendor, name: string) {
  const password = harness.canary('old');
  const device = await startSimulator(vendor, { users: [{ username: USER, password }] });
  harness.devices.push(device);
  const secretArn = await engine.createDeviceSecret(name, deviceSecretFor(device, { username: USER, password }));
  return { device, secretArn };
}

const ledger = () => new DeviceLedger({ tableName: engine.ledgerTable });
const accountOfDevice = (device: SimulatedDevice) => accountOf({ vendor: device.vendor, host: device.host, port: device.port, username: USER });
const logins = (device: SimulatedDevice) => device.requests.filter((request) => request.operation === 'login' || request.operation === 'token').length;
const heartbeatOf = (secretArn: string, run = 0) => engine.runExecution({ action: 'heartbeat', secretArn }, `${heartbeatExecutionName(secretArn, new Date())}-run${run}`);
const emfLines = (metric: string) => harness.output.join('').split('\n').filter((line) => line.includes('"_aws"') && line.includes(`"${metric}"`));

test('a device in sync: the heartbeat logs in once, changes nothing, and keeps "ok" in the ledger', async () => {
  const { device, secretArn } = await deviceWithSecret('oracle-unified-assurance', 'heartbeat/in-sync');
  const current = engine.stored(secretArn).withStage('AWSCURRENT')?.VersionId;
  const run = await heartbeatOf(secretArn);
  expect(run.status).toBe('SUCCEEDED');
  expect(JSON.parse(run.output ?? '{}')).toMatchObject({ action: 'heartbeat', secretArn, heartbeat: { outcome: 'ok', version: current } });
  expect(logins(device)).toBe(1);
  expect(device.account(USER).passwordChanges).toBe(0);
  expect(device.failedLoginsOf(USER)).toBe(0);
  expect(await ledger().lastHeartbeat(accountOfDevice(device))).toMatchObject({ outcome: 'ok', executionArn: run.arn, version: current });
});

test('a drifted mPower (locks after 3): DeviceDriftError with what to do, one failed login, and ten more heartbeats send nothing and never lock it', async () => {
  const { device, secretArn } = await deviceWithSecret('multitech-mpower', 'heartbeat/drifted-mpower');
  device.overwriteAccount(USER, { password: harness.canary('by-hand') });
  const first = await heartbeatOf(secretArn);
  expect(first.status).toBe('FAILED');
  expect(first.error).toBe('DeviceDriftError');
  const message = (JSON.parse(first.cause ?? '{}') as { errorMessage: string }).errorMessage;
  expect(message).toContain(`Secret ${secretArn}: heartbeat:`);
  expect(message).toContain("Someone changed the password on the device: set it back to AWSCURRENT or store the device's real password as AWSCURRENT, then verify");
  expect(device.account(USER).totalFailedLogins).toBe(1);
  expect(await ledger().lastHeartbeat(accountOfDevice(device))).toMatchObject({ outcome: 'drifted', executionArn: first.arn });
  for (let run = 1; run <= 10; run += 1) {
    const again = await heartbeatOf(secretArn, run);
    expect(again.error).toBe('DeviceDriftError');
  }
  // The refusal is remembered: no heartbeat sends the refused password again; the device stays one failure from its
  // limit of 3 short of a lock, and one attempt is still a human's.
  expect(device.account(USER).totalFailedLogins).toBe(1);
  expect(device.account(USER).failuresInWindow).toBeLessThanOrEqual(lockoutOf({ vendor: 'multitech-mpower' }).attempts - 2);
  expect(device.lockoutsOf(USER)).toBe(0);
  expect(device.account(USER).locked).toBe(false);
  expect(emfLines('DevicesDrifted').length).toBeGreaterThanOrEqual(11);
  expect(emfLines('DevicesDrifted')[0]).toContain('"DevicePasswordRotator"');
});

test('a drifted device fixed as the message says (password set back, then verify): the next heartbeat is ok again', async () => {
  const { device, secretArn } = await deviceWithSecret('oracle-sdwan-edge', 'heartbeat/fixed');
  device.overwriteAccount(USER, { password: harness.canary('by-hand') });
  expect((await heartbeatOf(secretArn)).error).toBe('DeviceDriftError');
  device.overwriteAccount(USER, { password: engine.stored(secretArn).current as string });
  expect((await engine.runExecution({ action: 'verify', secretArn })).status).toBe('SUCCEEDED');
  expect((await heartbeatOf(secretArn, 1)).status).toBe('SUCCEEDED');
  expect(await ledger().lastHeartbeat(accountOfDevice(device))).toMatchObject({ outcome: 'ok' });
  expect(device.account(USER).totalFailedLogins).toBe(1);
});

test('a spent failed-login budget: the heartbeat is skipped, sends no login, and says so in the ledger and a metric', async () => {
  const { device, secretArn } = await deviceWithSecret('multitech-mpower', 'heartbeat/budget-spent');
  const account = accountOfDevice(device);
  // Someone else's login of unknown outcome spent mPower's budget of 1 (3 failures, one kept for a human, one locks).
  const reservation = await ledger().reserveLogin(secretArn, account, lockoutOf({ vendor: 'multitech-mpower' }), { by: 'another caller', what: 'login' });
  await ledger().settle(reservation, 'unknown', 'another caller');
  const skippedBefore = emfLines('HeartbeatsSkipped').length;
  const run = await heartbeatOf(secretArn);
  expect(run.status).toBe('SUCCEEDED');
  expect(JSON.parse(run.output ?? '{}').heartbeat).toMatchObject({ outcome: 'skipped' });
  expect(logins(device)).toBe(0);
  const last = await ledger().lastHeartbeat(account);
  expect(last?.outcome).toBe('skipped');
  expect(last?.detail).toMatch(/^budget: .*LoginBudgetExhausted|^budget: .*was not attempted/);
  expect(emfLines('HeartbeatsSkipped').length).toBe(skippedBefore + 1);
});

test('the dispatcher starts the heartbeat of a secret due this hour (listed by partial ARN), once per day however often it runs', async () => {
  const { device, secretArn } = await deviceWithSecret('wso2-emm', 'heartbeat/dispatched');
  const listed = secretArn.slice(0, -7); // as the stack names a secret given by partial ARN
  const slot = heartbeatSlot(listed, 1);
  const now = new Date();
  const time = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), slot.hour, 5)).toISOString();
  Object.assign(process.env, { CONSOLE_STATE_MACHINE_ARN: engine.consoleStateMachineArn, HEARTBEAT_EVERY_DAYS: '1', HEARTBEAT_SECRETS: JSON.stringify([listed]) });
  const context = { getRemainingTimeInMillis: () => 60_000, functionName: 'heartbeat' } as unknown as Context;
  const first = (await heartbeatDispatcher({ operation: 'dispatch', time }, context)) as { started: number; alreadyStarted: number };
  const second = (await heartbeatDispatcher({ operation: 'dispatch', time }, context)) as { started: number; alreadyStarted: number };
  expect(first).toMatchObject({ due: 1, started: 1 });
  // While it runs, the same start returns the same execution; once it ended, ExecutionAlreadyExists: either way one.
  expect(second.started + second.alreadyStarted).toBe(1);
  const arn = `${engine.consoleStateMachineArn.replace(':stateMachine:', ':execution:')}:${heartbeatExecutionName(listed, new Date(time))}`;
  const ended = await engine.waitForExecution(arn);
  expect(ended.status).toBe('SUCCEEDED');
  expect(JSON.parse(ended.output ?? '{}')).toMatchObject({ secretArn, heartbeat: { outcome: 'ok' } });
  const third = (await heartbeatDispatcher({ operation: 'dispatch', time }, context)) as { started: number; alreadyStarted: number };
  expect(third).toMatchObject({ started: 0, alreadyStarted: 1 });
  expect(logins(device)).toBe(1);
  for (const key of ['CONSOLE_STATE_MACHINE_ARN', 'HEARTBEAT_EVERY_DAYS', 'HEARTBEAT_SECRETS']) delete process.env[key];
});

test('while a rotation holds the account: skipped, nothing sent (AWSCURRENT may be about to move)', async () => {
  const { device, secretArn } = await deviceWithSecret('oracle-unified-assurance', 'heartbeat/leased');
  await ledger().acquireLease(accountOfDevice(device), 'arn:aws:states:us-east-1:000000000000:execution:DevicePasswordRotator:set-x', Date.now() + 60_000, async () => false);
  const run = await heartbeatOf(secretArn);
  expect(run.status).toBe('SUCCEEDED');
  expect(JSON.parse(run.output ?? '{}').heartbeat).toMatchObject({ outcome: 'skipped' });
  expect((await ledger().lastHeartbeat(accountOfDevice(device)))?.detail).toContain("holds the account's lease");
  expect(device.requests).toHaveLength(0);
});

test('a device that does not answer: the heartbeat fails with the device error and keeps "error", not "drifted"', async () => {
  const { device, secretArn } = await deviceWithSecret('oracle-unified-assurance', 'heartbeat/unreachable');
  await device.stop();
  harness.devices.splice(harness.devices.indexOf(device), 1);
  const run = await heartbeatOf(secretArn);
  expect(run.status).toBe('FAILED');
  expect(run.error).toBe('DeviceUnreachableError');
  const last = await ledger().lastHeartbeat(accountOfDevice(device));
  expect(last?.outcome).toBe('error');
  expect(last?.detail).toMatch(/^DeviceUnreachableError: /);
});

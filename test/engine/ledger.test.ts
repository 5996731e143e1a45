import { PutSecretValueCommand, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import type { Vendor } from '../../lambda/device/types';
import { accountOf } from '../../lambda/ledger/account';
import { DeviceLedger } from '../../lambda/ledger/device-ledger';
import type { LocalEngine } from '../../local/engine/local-engine';
import { CHANGE_REQUEST, deviceSecretFor, type SimulatedDevice, startSimulator } from '../../local/simulators';
import { startUnifiedAssuranceSimulator } from '../../local/simulators/unified-assurance';
import { registerOAuthClientByHand, startWso2EmmSimulator } from '../../local/simulators/wso2-emm';
import { useLocalEngine } from '../helpers/engine-harness';

/**
 * The device ledger and one identity per rotation, end to end through the synthesized state machines: what a device
 * slow to refuse, repeated executions and operators spend on one account; how an operator changes a device's certificate
 * pin or address; console inputs by name; a ledger that holds no secret.
 */
const USER = 'admin';
const harness = useLocalEngine({ deviceRequestTimeoutMs: 300 });
let engine: LocalEngine;
beforeAll(() => {
  engine = harness.engine;
});

async function deviceWithSecret(vendor: Vendor, name: string, options: { refusalDelayMs?: number } = {}) {
  const password = harness.canary('old');
  const device = await startSimulator(vendor, { users: [{ username: USER, password }], ...options });
  harness.devices.push(device);
  const secretArn = await engine.createDeviceSecret(name, deviceSecretFor(device, { username: USER, password }));
  return { device, secretArn, oldPassword: password };
}

const logins = (device: SimulatedDevice) => device.requests.filter((request) => request.operation === 'login').length;
const ledgerOf = (device: SimulatedDevice) =>
  new DeviceLedger({ tableName: engine.ledgerTable }).read(accountOf({ vendor: device.vendor, host: device.host, port: device.port, username: USER }));
const currentValue = (secretArn: string) => JSON.parse(engine.stored(secretArn).withStage('AWSCURRENT')?.SecretString as string) as Record<string, unknown>;

async function putCurrent(secretArn: string, value: Record<string, unknown>) {
  await engine.clients.secretsManager.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify(value), VersionStages: ['AWSCURRENT'] }));
}

/** The change lands but its answer is lost: the restart's search finds the pending version (noted in the ledger). */
async function expectRotatedAfterLostAnswer(device: SimulatedDevice, secretArn: string) {
  device.injectFault({ ...CHANGE_REQUEST[device.vendor], fault: { kind: 'drop-after' } });
  await engine.rotateSecret(secretArn);
  expect(engine.secrets.lastRotationError(secretArn)).toBeUndefined();
  const after = engine.stored(secretArn);
  harness.secretsSeen.push(after.current as string);
  expect(device.passwordOf(USER)).toBe(after.current);
  expect(device.account(USER).passwordChanges).toBe(1);
}

describe('refusals in the shapes the field shows, after a lost change answer', () => {
  test('Unified Assurance refusing with 401 and an HTML page: the search sees a refusal and finds the pending version', async () => {
    const password = harness.canary('old');
    const device = await startUnifiedAssuranceSimulator({ users: [{ username: USER, password }], loginRefusal: 'html-401' });
    harness.devices.push(device);
    const secretArn = await engine.createDeviceSecret('ledger/ua-html-401', deviceSecretFor(device, { username: USER, password }));
    await expectRotatedAfterLostAnswer(device, secretArn);
    // Out of sync after it: the HTML 401 is a refusal (one failed login each), not a ProtocolError.
    device.overwriteAccount(USER, { password: harness.canary('hand') });
    const rotate = await engine.runExecution({ action: 'rotate', secretArn });
    expect(rotate.error).toBe('DeviceOutOfSyncError');
    expect(device.lockoutsOf(USER)).toBe(0);
  });

  test('WSO2 EMM answering bad user credentials with 401 invalid_client, with a configured oauthClient: a refusal, and one failed login each', async () => {
    const password = harness.canary('old');
    const device = await startWso2EmmSimulator({ users: [{ username: USER, password }], badCredentials: 'invalid_client-401' });
    harness.devices.push(device);
    const oauthClient = await registerOAuthClientByHand(device, { username: USER, password }, 'ledger-test');
    harness.secretsSeen.push(oauthClient.clientSecret);
    const secretArn = await engine.createDeviceSecret('ledger/wso2-invalid-client', { ...deviceSecretFor(device, { username: USER, password }), oauthClient });
    await expectRotatedAfterLostAnswer(device, secretArn);
    device.overwriteAccount(USER, { password: harness.canary('hand') });
    const failedBefore = device.account(USER).totalFailedLogins;
    const rotate = await engine.runExecution({ action: 'rotate', secretArn });
    expect(rotate.error).toBe('DeviceOutOfSyncError');
    // AWSCURRENT, the pending version, AWSPREVIOUS: three distinct passwords, three failed logins, within the budget of 3.
    expect(device.account(USER).totalFailedLogins - failedBefore).toBe(3);
    expect(device.lockoutsOf(USER)).toBe(0);
  });
});

describe('a device slow to refuse (its refusal arrives after the request deadline)', () => {
  test('deploys (RotateSecret with RotateImmediately=false) five times: one login is sent, the account never locks', async () => {
    const { device, secretArn } = await deviceWithSecret('multitech-mpower', 'ledger/slow-refusal', { refusalDelayMs: 600 });
    device.overwriteAccount(USER, { password: harness.canary('hand') });
    for (let deploy = 0; deploy < 5; deploy += 1) await engine.rotateSecret(secretArn, { rotateImmediately: false });
    // The first check's login had no answer in time: charged as a failed login, not retried; the budget of mPower
    // (3 failures, one kept for a human: 1) was then spent, and no later check sent anything.
    expect(logins(device)).toBe(1);
    expect(device.lockoutsOf(USER)).toBe(0);
    expect(device.account(USER).failuresInWindow).toBe(1);
    const failure = engine.secrets.lastRotationError(secretArn);
    expect(failure?.errorMessage).toMatch(/LoginBudgetExhaustedError|LoginOutcomeUnknownError/);
    const record = await ledgerOf(device);
    expect(record.charges.map((charge) => charge.state)).toEqual(['unknown']);
  });
});

test('repeated "test" executions of the rotation state machine stay within the budget: a wrong pending version never locks the account', async () => {
  const { device, secretArn } = await deviceWithSecret('oracle-unified-assurance', 'ledger/repeated-test');
  await engine.rotateSecret(secretArn, { rotateImmediately: false });
  const token = '7d1f6a2e-4b3c-4d5e-8f90-a1b2c3d4e5f6';
  await engine.clients.secretsManager.send(
    new PutSecretValueCommand({ SecretId: secretArn, ClientRequestToken: token, SecretString: JSON.stringify({ ...currentValue(secretArn), password: harness.canary('wrong-pending') }), VersionStages: ['AWSPENDING'] }),
  );
  const errors: string[] = [];
  for (let run = 0; run < 8; run += 1) errors.push((await engine.runRotationExecution({ action: 'test', secretArn, token })).error ?? 'none');
  // Unified Assurance locks after 5: the rotator spends at most 3 (one more is the human's, the fifth locks).
  expect(device.account(USER).failuresInWindow).toBe(3);
  expect(device.lockoutsOf(USER)).toBe(0);
  expect(errors.slice(0, 3)).toEqual(['AuthenticationFailedError', 'AuthenticationFailedError', 'AuthenticationFailedError']);
  expect(new Set(errors.slice(3))).toEqual(new Set(['LoginBudgetExhaustedError']));
  // AWSCURRENT still logs in (a human's attempt is in reserve, and the right password works).
  expect(device.passwordOf(USER)).toBe(engine.stored(secretArn).current);
});

test('the ledger holds references only: no password, token or hash of one', async () => {
  const { device, secretArn } = await deviceWithSecret('wso2-emm', 'ledger/no-secret');
  await engine.rotateSecret(secretArn);
  const item = JSON.stringify(await ledgerOf(device));
  expect(item).toContain('"changeSent"');
  for (const secret of [...harness.secretsSeen, ...engine.stored(secretArn).all]) expect(item).not.toContain(secret);
  expect(item).not.toMatch(/[0-9a-f]{64}/);
});

describe('one identity per rotation', () => {
  test('changing a certificate pin: fix it in AWSCURRENT, and a console "rotate" resumes the stuck rotation with one change', async () => {
    const { device, secretArn, oldPassword } = await deviceWithSecret('oracle-sdwan-edge', 'ledger/pin-change');
    const wrongPin = 'AB:'.repeat(31) + 'AB';
    await putCurrent(secretArn, { ...currentValue(secretArn), tls: { certificateSha256: wrongPin } });
    await engine.rotateSecret(secretArn);
    expect(engine.secrets.lastRotationError(secretArn)?.errorMessage).toMatch(/TlsVerificationError/);
    const pending = engine.stored(secretArn).withStage('AWSPENDING');
    expect(pending).toBeDefined();
    // The procedure (README "Changing a device's address or certificate"): write AWSCURRENT again with the right pin.
    await putCurrent(secretArn, { ...currentValue(secretArn), tls: { certificateSha256: device.fingerprint256 } });
    const rotate = await engine.runExecution({ action: 'rotate', secretArn });
    expect(rotate.status).toBe('SUCCEEDED');
    // The pending version still carries the old pin: every login used AWSCURRENT's trust, so none failed.
    expect(JSON.parse(pending?.SecretString as string).tls.certificateSha256).toBe(wrongPin);
    expect(device.account(USER).passwordChanges).toBe(1);
    expect(device.failedLoginsOf(USER)).toBe(0);
    const after = engine.stored(secretArn);
    harness.secretsSeen.push(after.current as string);
    expect(after.current).not.toBe(oldPassword);
    expect(device.passwordOf(USER)).toBe(after.current);
  });

  test('changing a device address with a rotation pending: refused, naming the version; cleared, the rotation goes on at the new address', async () => {
    const { device, secretArn } = await deviceWithSecret('oracle-unified-assurance', 'ledger/address-change');
    await engine.rotateSecret(secretArn, { rotateImmediately: false });
    device.injectFault({ ...CHANGE_REQUEST['oracle-unified-assurance'], fault: { kind: 'reject-new-password' } });
    await engine.rotateSecret(secretArn);
    const pendingId = engine.stored(secretArn).withStage('AWSPENDING')?.VersionId as string;
    expect(pendingId).toBeDefined();
    // The device moves: same certificate, same account, another address ("localhost" instead of 127.0.0.1).
    await putCurrent(secretArn, { ...currentValue(secretArn), host: 'localhost' });
    const refused = await engine.runExecution({ action: 'rotate', secretArn });
    expect(refused.status).toBe('FAILED');
    expect(refused.error).toBe('VersionIdentityError');
    const message = (JSON.parse(refused.cause ?? '{}') as { errorMessage: string }).errorMessage;
    expect(message).toContain(`the pending version (version ${pendingId}) is for another account than AWSCURRENT (host "127.0.0.1" instead of "localhost")`);
    expect(device.account(USER).passwordChanges).toBe(0);
    // The procedure: remove the stale AWSPENDING label, then rotate.
    await engine.clients.secretsManager.send(new UpdateSecretVersionStageCommand({ SecretId: secretArn, VersionStage: 'AWSPENDING', RemoveFromVersionId: pendingId }));
    const rotate = await engine.runExecution({ action: 'rotate', secretArn });
    expect(rotate.status).toBe('SUCCEEDED');
    expect(device.account(USER).passwordChanges).toBe(1);
    harness.secretsSeen.push(engine.stored(secretArn).current as string);
    expect(currentValue(secretArn).host).toBe('localhost');
  });

  test('an AWSPREVIOUS for another device is never sent anywhere, and the out-of-sync message names it', async () => {
    const { device, secretArn } = await deviceWithSecret('oracle-unified-assurance', 'ledger/foreign-previous');
    const elsewhere = await startSimulator('oracle-unified-assurance', { users: [{ username: USER, password: harness.canary('elsewhere') }] });
    harness.devices.push(elsewhere);
    const foreign = { ...currentValue(secretArn), host: 'localhost', port: elsewhere.port, password: elsewhere.passwordOf(USER), tls: { certificateSha256: elsewhere.fingerprint256 } };
    await putCurrent(secretArn, foreign);
    await putCurrent(secretArn, { ...currentValue(secretArn), host: device.host, port: device.port, tls: { certificateSha256: device.fingerprint256 }, password: harness.canary('cur') });
    // Now AWSCURRENT (this device) is wrong, and AWSPREVIOUS names another device.
    await engine.rotateSecret(secretArn);
    const message = engine.secrets.lastRotationError(secretArn)?.errorMessage ?? '';
    expect(message).toMatch(/DeviceOutOfSyncError/);
    expect(message).toMatch(/AWSPREVIOUS \(version [0-9a-f-]+\) was not tried: it is for another account \(host "localhost" instead of "127\.0\.0\.1"\)/);
    expect(elsewhere.requests).toHaveLength(0);
  });

  test('a pending value equal to AWSCURRENT is refused before the device is contacted', async () => {
    const { device, secretArn } = await deviceWithSecret('oracle-unified-assurance', 'ledger/same-pending');
    await engine.rotateSecret(secretArn, { rotateImmediately: false });
    const before = device.requests.length;
    const token = '5e0f6a2e-4b3c-4d5e-8f90-a1b2c3d4e5f7';
    await engine.clients.secretsManager.send(
      new PutSecretValueCommand({ SecretId: secretArn, ClientRequestToken: token, SecretString: JSON.stringify(currentValue(secretArn)), VersionStages: ['AWSPENDING'] }),
    );
    const set = await engine.runRotationExecution({ action: 'set', secretArn, token });
    expect(set.status).toBe('FAILED');
    expect(set.error).toBe('RotationStateError');
    expect(set.cause).toContain('holds the same password as AWSCURRENT');
    expect(device.requests.length).toBe(before);
  });
});

describe('console inputs', () => {
  test('a secret given by name or partial ARN is resolved once: the lease sees one account whichever form is used', async () => {
    const { device, secretArn } = await deviceWithSecret('oracle-unified-assurance', 'ledger/by-name');
    await engine.rotateSecret(secretArn, { rotateImmediately: false });
    device.injectFault({ ...CHANGE_REQUEST['oracle-unified-assurance'], fault: { kind: 'latency', ms: 250 }, times: Infinity });
    const partial = secretArn.slice(0, -7);
    const runs = await Promise.all([
      engine.runExecution({ action: 'rotate', secretArn: 'ledger/by-name' }),
      engine.runExecution({ action: 'rotate', secretArn: partial }),
      engine.runExecution({ action: 'rotate', secretArn }),
    ]);
    expect(runs.filter((run) => run.status === 'SUCCEEDED')).toHaveLength(1);
    for (const run of runs.filter((r) => r.status === 'FAILED')) expect(run.error).toBe('RotationInProgressError');
    expect(device.account(USER).passwordChanges).toBe(1);
    const winner = runs.find((run) => run.status === 'SUCCEEDED');
    expect(JSON.parse(winner?.output ?? '{}').secretArn).toBe(secretArn);
    harness.secretsSeen.push(engine.stored(secretArn).current as string);
  });

  test('the rotation state machine\'s "set" of a secret whose rotation is turned off changes nothing', async () => {
    const { device, secretArn } = await deviceWithSecret('oracle-unified-assurance', 'ledger/rotation-off');
    await engine.rotateSecret(secretArn, { rotateImmediately: false });
    engine.secrets.setRotationEnabled(secretArn, false);
    const token = '9a1f6a2e-4b3c-4d5e-8f90-a1b2c3d4e5f8';
    await engine.clients.secretsManager.send(
      new PutSecretValueCommand({ SecretId: secretArn, ClientRequestToken: token, SecretString: JSON.stringify({ ...currentValue(secretArn), password: harness.canary('new') }), VersionStages: ['AWSPENDING'] }),
    );
    const before = device.requests.length;
    const set = await engine.runRotationExecution({ action: 'set', secretArn, token });
    expect(set.status).toBe('FAILED');
    expect(set.error).toBe('RotationStateError');
    expect(set.cause).toContain('rotation is not enabled');
    expect(device.requests.length).toBe(before);
  });
});

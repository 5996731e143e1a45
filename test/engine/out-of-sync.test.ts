import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import type { Vendor } from '../../lambda/device/types';
import type { LocalEngine } from '../../local/engine/local-engine';
import type { SimulatedDevice } from '../../local/simulators';
import { startSimulator } from '../../local/simulators';
import { useLocalEngine } from '../helpers/engine-harness';

/**
 * Out-of-sync recovery (issue 5), end to end: a device whose password was changed by hand, and a secret that names a
 * privileged account (`privilegedSecretArn`). SD-WAN Edge can reset another user's password: the rotation completes.
 * Without a privileged account, or on a vendor that cannot reset, the rotation stops with `DeviceOutOfSyncError` as
 * before. Every password used is a canary, scanned for in every execution history and everything printed.
 */
const USER = 'netops';
const ADMIN = 'sdwanadmin';
const RESET_STATE = 'SD-WAN Edge: Reset with privileged account';
const LOCKOUT = 5;

const harness = useLocalEngine();
const { secretsSeen, devices } = harness;
const canary = (label: string) => harness.canary(label);
let engine: LocalEngine;
beforeAll(() => {
  engine = harness.engine;
});

interface Setup {
  /** What the secret's privileged account is: none, an admin secret of the same device, or one built by the test. */
  readonly privileged?: 'admin' | ((device: SimulatedDevice, adminPassword: string) => Record<string, unknown> | string);
  /** Whether the deployment configures the privileged secret as one (construct prop privilegedSecrets). Default: true. */
  readonly configured?: boolean;
  /** Configure rotation (testSecret alone, as a deploy does) while the device is still in sync. */
  readonly enableRotation?: boolean;
}

/**
 * A device with the rotated user (a guest) and an admin; the rotated user's password then changed by hand.
 * Returns the device, the rotated secret and the admin secret (when one is made).
 */
async function outOfSyncDevice(vendor: Vendor, name: string, setup: Setup = {}) {
  const oldPassword = canary('old');
  const adminPassword = canary('adm');
  const device = await startSimulator(vendor, {
    users: [
      { username: USER, password: oldPassword, role: 'guest' },
      { username: ADMIN, password: adminPassword, role: 'admin' },
    ],
    lockoutThreshold: LOCKOUT,
  });
  devices.push(device);
  const endpoint = { vendor, host: device.host, port: device.port, tls: { certificateSha256: device.fingerprint256 } };
  let privilegedSecretArn: string | undefined;
  if (setup.privileged === 'admin') {
    privilegedSecretArn = await engine.createDeviceSecret(`${name}/admin`, { ...endpoint, username: ADMIN, password: adminPassword, resetAccounts: [USER] });
  } else if (typeof setup.privileged === 'function') {
    const value = setup.privileged(device, adminPassword);
    privilegedSecretArn = typeof value === 'string' ? value : await engine.createDeviceSecret(`${name}/admin`, value);
  }
  engine.configurePrivilegedSecrets(privilegedSecretArn !== undefined && setup.configured !== false ? [privilegedSecretArn] : []);
  const secretArn = await engine.createDeviceSecret(name, {
    ...endpoint,
    username: USER,
    password: oldPassword,
    ...(privilegedSecretArn === undefined ? {} : { privilegedSecretArn }),
  });
  if (setup.enableRotation === true) await engine.rotateSecret(secretArn, { rotateImmediately: false });
  device.overwriteAccount(USER, { password: canary('hand') });
  return { device, secretArn, privilegedSecretArn, oldPassword, adminPassword };
}

const stored = (secretArn: string) => engine.stored(secretArn);

/** The states the `set-<tag>-<token>` (or `test-…`) execution of the secret's pending (or just finished) rotation entered. */
async function statesEntered(token: string, purpose: 'set' | 'test' = 'set'): Promise<string[]> {
  const listed = await engine.clients.stepFunctions.send(new ListExecutionsCommand({ stateMachineArn: engine.stateMachineArn, maxResults: 1000 }));
  const execution = (listed.executions ?? []).find((e) => e.name?.startsWith(`${purpose}-`) === true && e.name.endsWith(token));
  expect(execution).toBeDefined();
  const events = await engine.history(execution?.executionArn as string);
  return events.map((event) => event.stateEnteredEventDetails?.name).filter((name): name is string => name !== undefined);
}

const logins = (device: SimulatedDevice) => device.requests.filter((request) => request.operation === 'login').length;
const changes = (device: SimulatedDevice) => device.requests.filter((request) => request.operation === 'change-password').length;

describe('a device whose password was changed by hand', () => {
  test('SD-WAN Edge with a privileged account: the admin resets the password, the scheduled rotation completes', async () => {
    const { device, secretArn, oldPassword, adminPassword } = await outOfSyncDevice('oracle-sdwan-edge', 'oos/sdwan-reset', { privileged: 'admin' });
    await engine.rotateSecret(secretArn);
    expect(engine.secrets.lastRotationError(secretArn)).toBeUndefined();

    const after = stored(secretArn);
    secretsSeen.push(after.current as string);
    expect(after.current).not.toBe(oldPassword);
    expect(after.previous).toBe(oldPassword);
    expect(after.withStage('AWSPENDING') === undefined || after.withStage('AWSPENDING')?.VersionStages.includes('AWSCURRENT')).toBe(true);
    expect(device.passwordOf(USER)).toBe(after.current);
    // The change's login tried each distinct stored password once (AWSCURRENT, the pending one): far under the lockout.
    expect(device.failedLoginsOf(USER)).toBeLessThanOrEqual(2);
    expect(device.failedLoginsOf(USER)).toBeLessThan(LOCKOUT);
    expect(device.isLocked(USER)).toBe(false);
    // The admin logged in once (and only as itself); its password is untouched.
    expect(device.failedLoginsOf(ADMIN)).toBe(0);
    expect(device.passwordOf(ADMIN)).toBe(adminPassword);
    expect(device.account(USER).passwordChanges).toBe(1);
    expect(changes(device)).toBe(1);

    const token = after.withStage('AWSCURRENT')?.VersionId as string;
    const entered = await statesEntered(token);
    expect(entered).toContain(RESET_STATE);
    // The change's login found no stored version; after the reset nothing is changed again.
    expect(entered.filter((name) => name === 'SD-WAN Edge: Log in and change password')).toHaveLength(1);
    expect(await statesEntered(token, 'test')).toContain('SD-WAN Edge: Verify new password');

    const verify = await engine.runExecution({ action: 'verify', secretArn });
    expect(verify.status).toBe('SUCCEEDED');
  });

  test('a console "rotate" takes the same recovery', async () => {
    const { device, secretArn, oldPassword } = await outOfSyncDevice('oracle-sdwan-edge', 'oos/sdwan-console', { privileged: 'admin', enableRotation: true });
    const rotate = await engine.runExecution({ action: 'rotate', secretArn });
    expect(rotate.status).toBe('SUCCEEDED');
    const entered = rotate.history.map((event) => event.stateEnteredEventDetails?.name);
    expect(entered).toContain(RESET_STATE);
    expect(entered).toContain('Finish rotation');
    const after = stored(secretArn);
    secretsSeen.push(after.current as string);
    expect(after.previous).toBe(oldPassword);
    expect(device.passwordOf(USER)).toBe(after.current);
  });

  test('a reset whose answer is lost goes back to the change, whose login finds the new password, and does not reset again', async () => {
    const { device, secretArn, oldPassword } = await outOfSyncDevice('oracle-sdwan-edge', 'oos/sdwan-lost-answer', { privileged: 'admin' });
    device.injectFault({ on: 'change-password', fault: { kind: 'drop-after' } });
    await engine.rotateSecret(secretArn);
    expect(engine.secrets.lastRotationError(secretArn)).toBeUndefined();
    const after = stored(secretArn);
    secretsSeen.push(after.current as string);
    expect(after.previous).toBe(oldPassword);
    expect(device.passwordOf(USER)).toBe(after.current);
    expect(device.account(USER).passwordChanges).toBe(1);
    expect(changes(device)).toBe(1);
    expect(device.failedLoginsOf(USER)).toBeLessThan(LOCKOUT);
    const entered = await statesEntered(after.withStage('AWSCURRENT')?.VersionId as string);
    expect(entered.filter((name) => name === RESET_STATE)).toHaveLength(1);
    expect(entered).toContain('SD-WAN Edge: Count restart');
    expect(entered.filter((name) => name === 'SD-WAN Edge: Log in and change password')).toHaveLength(2);
  });

  test('no privileged account: DeviceOutOfSyncError, and no reset is attempted', async () => {
    const { device, secretArn } = await outOfSyncDevice('oracle-sdwan-edge', 'oos/sdwan-no-admin');
    await engine.rotateSecret(secretArn);
    const failure = engine.secrets.lastRotationError(secretArn);
    expect(failure?.step).toBe('setSecret');
    expect(failure?.errorMessage).toMatch(/failed in state "SD-WAN Edge: Log in and change password": DeviceOutOfSyncError/);
    expect(failure?.errorMessage).toContain(secretArn);
    expect(changes(device)).toBe(0);
    expect(logins(device)).toBe(2);
    expect(device.failedLoginsOf(USER)).toBe(2);
    const token = stored(secretArn).withStage('AWSPENDING')?.VersionId as string;
    expect(await statesEntered(token)).not.toContain(RESET_STATE);
  });

  test('a vendor that cannot reset, with a privileged account: out of sync, saying the vendor cannot reset; the admin is never used', async () => {
    const { device, secretArn, privilegedSecretArn } = await outOfSyncDevice('oracle-unified-assurance', 'oos/ua', { privileged: 'admin' });
    await engine.rotateSecret(secretArn);
    const failure = engine.secrets.lastRotationError(secretArn);
    expect(failure?.errorMessage).toMatch(/DeviceOutOfSyncError/);
    expect(failure?.errorMessage).toContain(privilegedSecretArn);
    expect(failure?.errorMessage).toMatch(/vendor oracle-unified-assurance cannot reset another user's password, so no reset was attempted/);
    expect(changes(device)).toBe(0);
    expect(logins(device)).toBe(device.failedLoginsOf(USER));
    expect(device.failedLoginsOf(ADMIN)).toBe(0);
  });
});

describe('the privileged secret is checked before anything is sent (confused deputy)', () => {
  /** Runs a scheduled rotation expecting the reset to be refused; returns the failure message. */
  async function refused(name: string, privileged: NonNullable<Setup['privileged']>, setup: Omit<Setup, 'privileged'> = {}) {
    const { device, secretArn, privilegedSecretArn, oldPassword } = await outOfSyncDevice('oracle-sdwan-edge', name, { privileged, ...setup });
    const loginsBefore = 2; // the change's search: AWSCURRENT and the pending version
    await engine.rotateSecret(secretArn);
    const message = engine.secrets.lastRotationError(secretArn)?.errorMessage ?? '';
    expect(message).toContain(`failed in state "${RESET_STATE}": PrivilegedResetRefusedError`);
    expect(message).toContain(secretArn);
    expect(message).toContain(privilegedSecretArn as string);
    expect(message).toContain('Nothing was sent to the device');
    expect(logins(device)).toBe(loginsBefore);
    expect(changes(device)).toBe(0);
    expect(device.failedLoginsOf(ADMIN)).toBe(0);
    expect(stored(secretArn).current).toBe(oldPassword);
    return message;
  }

  test('a privileged secret the deployment did not configure as one: the secret\'s writer cannot borrow it', async () => {
    const message = await refused('oos/not-configured', (device, adminPassword) => ({
      vendor: 'oracle-sdwan-edge', host: device.host, port: device.port, username: ADMIN, password: adminPassword, resetAccounts: [USER],
    }), { configured: false });
    expect(message).toMatch(/not configured as a privileged secret of this deployment/);
  });

  test('a privileged secret that does not name the account in its resetAccounts', async () => {
    const message = await refused('oos/not-named', (device, adminPassword) => ({
      vendor: 'oracle-sdwan-edge', host: device.host, port: device.port, username: ADMIN, password: adminPassword, resetAccounts: ['someone-else'],
    }));
    expect(message).toMatch(/does not name account "netops" in its resetAccounts/);
  });

  test('a privileged secret that names no accounts at all', async () => {
    const message = await refused('oos/names-none', (device, adminPassword) => ({
      vendor: 'oracle-sdwan-edge', host: device.host, port: device.port, username: ADMIN, password: adminPassword,
    }));
    expect(message).toMatch(/does not name account "netops" in its resetAccounts/);
  });

  test('a privileged secret of another host', async () => {
    const message = await refused('oos/other-host', (device, adminPassword) => ({
      vendor: 'oracle-sdwan-edge',
      host: 'other-edge.example.net',
      port: device.port,
      username: ADMIN,
      password: adminPassword,
      resetAccounts: [USER],
    }));
    expect(message).toMatch(/it is an account of oracle-sdwan-edge device other-edge\.example\.net:\d+, not of oracle-sdwan-edge device 127\.0\.0\.1:\d+/);
  });

  test('a privileged secret of another vendor', async () => {
    const message = await refused('oos/other-vendor', (device, adminPassword) => ({
      vendor: 'oracle-unified-assurance',
      host: device.host,
      port: device.port,
      username: ADMIN,
      password: adminPassword,
      resetAccounts: [USER],
    }));
    expect(message).toMatch(/must be of the same vendor, host and port/);
  });

  test('a privileged secret that is not a valid device secret', async () => {
    const message = await refused('oos/invalid-admin', (device) => ({ vendor: 'oracle-sdwan-edge', host: device.host, port: device.port, username: ADMIN }));
    expect(message).toMatch(/InvalidDeviceSecretError/);
    expect(message).toMatch(/field "password"/);
  });

  test('a privileged secret that does not exist', async () => {
    const message = await refused('oos/missing-admin', () => 'arn:aws:secretsmanager:us-east-1:123456789012:secret:no/such-admin-AbCdEf');
    expect(message).toMatch(/no such secret/);
  });

  test('a privileged secret holding the rotated account itself', async () => {
    const message = await refused('oos/same-user', (device, adminPassword) => ({
      vendor: 'oracle-sdwan-edge',
      host: device.host,
      port: device.port,
      username: USER,
      password: adminPassword,
    }));
    expect(message).toMatch(/the same account \(netops\)/);
  });

  test('a pending version made by hand for another account (the admin) is refused before any login: its password goes nowhere', async () => {
    const { device, secretArn, privilegedSecretArn, oldPassword, adminPassword } = await outOfSyncDevice('oracle-sdwan-edge', 'oos/forged-pending', {
      privileged: 'admin',
      enableRotation: true,
    });
    const current = JSON.parse(stored(secretArn).withStage('AWSCURRENT')?.SecretString as string) as Record<string, unknown>;
    await engine.clients.secretsManager.send(
      new PutSecretValueCommand({
        SecretId: secretArn,
        SecretString: JSON.stringify({ ...current, username: ADMIN, password: canary('forged') }),
        VersionStages: ['AWSPENDING'],
      }),
    );
    const loginsBefore = logins(device);
    const rotate = await engine.runExecution({ action: 'rotate', secretArn });
    expect(rotate.status).toBe('FAILED');
    expect(rotate.error).toBe('VersionIdentityError');
    expect(rotate.cause).toContain(secretArn);
    expect((JSON.parse(rotate.cause ?? '{}') as { errorMessage?: string }).errorMessage).toMatch(/the pending version \(version [0-9a-f-]+\) is for another account than AWSCURRENT \(username "sdwanadmin" instead of "netops"\)/);
    expect(privilegedSecretArn).toBeDefined();
    expect(logins(device)).toBe(loginsBefore);
    expect(changes(device)).toBe(0);
    expect(device.passwordOf(ADMIN)).toBe(adminPassword);
    expect(device.failedLoginsOf(ADMIN)).toBe(0);
    expect(stored(secretArn).current).toBe(oldPassword);
  });
});

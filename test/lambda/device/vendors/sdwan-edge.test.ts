import { request } from 'node:https';
import { InsufficientPrivilegeError, ProtocolError } from '../../../../lambda/device/errors';
import type { DeviceEndpoint } from '../../../../lambda/device/types';
import { SdwanEdgeClient } from '../../../../lambda/vendors/oracle-sdwan-edge/client';
import type { SimulatedDevice } from '../../../../local/simulators/device-server';
import { type SdwanEdgeSimulatorOptions, sdwanLoginForbidden403, startSdwanEdgeSimulator } from '../../../../local/simulators/sdwan-edge';
import { canaryPassword, errorText, expectNoSecrets } from '../../../helpers/canary';
import { describeClientContract } from './client-contract';

describeClientContract({
  vendor: 'oracle-sdwan-edge',
  start: startSdwanEdgeSimulator,
  client: (endpoint, options) => new SdwanEdgeClient(endpoint, options),
  changeRequest: { on: 'change-password' },
  sessionExpiry: { on: 'change-password', fault: { kind: 'session-expired' } },
  sessionExpiryScope: 'session',
  weakPassword: 'short',
  policyRejection: 'policy',
  logoutOperation: 'logout',
});

describe('SD-WAN Edge specifics', () => {
  let device: SimulatedDevice;
  let adminPassword: string;
  let guestPassword: string;

  const endpoint = (): DeviceEndpoint => ({
    vendor: 'oracle-sdwan-edge',
    host: device.host,
    port: device.port,
    tls: { caCertificate: device.certificatePem },
    requestTimeoutMs: 2_000,
  });
  const client = () => new SdwanEdgeClient(endpoint());
  const count = (operation: string) => device.requests.filter((r) => r.operation === operation).length;

  async function start(options: Partial<SdwanEdgeSimulatorOptions> = {}): Promise<void> {
    adminPassword = canaryPassword('admin');
    guestPassword = canaryPassword('guest');
    device = await startSdwanEdgeSimulator({
      users: [
        { username: 'admin', password: adminPassword, role: 'admin' },
        { username: 'operator', password: guestPassword, role: 'guest' },
      ],
      ...options,
    });
  }

  afterEach(async () => {
    await device.stop();
  });

  test('a stale timestamp is recovered with one fresh timestamp, and the change then succeeds', async () => {
    await start({ timestampMaxAgeMs: 200 });
    // The first change arrives 400 ms after the login handed out its timestamp: the device refuses it as timed out.
    device.injectFault({ on: 'change-password', fault: { kind: 'latency', ms: 400 } });
    const newPassword = canaryPassword('new');
    await client().changePassword({ username: 'admin', currentPassword: adminPassword, newPassword });
    expect(device.passwordOf('admin')).toBe(newPassword);
    expect(count('login')).toBe(1);
    expect(count('timestamp')).toBe(1);
    expect(count('change-password')).toBe(2);
  });

  test('a timestamp refused twice fails closed, without a third attempt', async () => {
    await start({ timestampMaxAgeMs: 200 });
    device.injectFault({ on: 'change-password', fault: { kind: 'latency', ms: 400 }, times: 2 });
    const newPassword = canaryPassword('new');
    const error = await client()
      .changePassword({ username: 'admin', currentPassword: adminPassword, newPassword })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as Error).message).toMatch(/timestamp/);
    expect(count('change-password')).toBe(2);
    expect(device.passwordOf('admin')).toBe(adminPassword);
  });

  test('an admin resets another user without its current password; the new password logs in', async () => {
    await start();
    const newPassword = canaryPassword('reset');
    await client().resetPassword({ admin: { username: 'admin', password: adminPassword }, username: 'operator', newPassword });
    expect(device.passwordOf('operator')).toBe(newPassword);
    expect(device.failedLoginsOf('operator')).toBe(0);
    // The admin's session survived the reset (stay_logged_in 1) and was closed by the client.
    expect(count('logout')).toBe(1);
    expect((await client().verifyLogin({ username: 'operator', password: newPassword })).status).toBe('accepted');
    expect((await client().verifyLogin({ username: 'operator', password: guestPassword })).status).toBe('rejected');
    expect(device.passwordOf('admin')).toBe(adminPassword);
  });

  test('a guest cannot reset another user: a clear error, nothing sent, nothing changed', async () => {
    await start();
    const newPassword = canaryPassword('reset');
    const error = await client()
      .resetPassword({ admin: { username: 'operator', password: guestPassword }, username: 'admin', newPassword })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientPrivilegeError);
    expect((error as InsufficientPrivilegeError).step).toBe('reset-password');
    expect((error as Error).message).toMatch(/user level 0, not admin/);
    expect(count('change-password')).toBe(0);
    expect(count('logout')).toBe(1);
    expect(device.passwordOf('admin')).toBe(adminPassword);
    expectNoSecrets(errorText(error), [adminPassword, guestPassword, newPassword, ...device.issuedTokens()]);
  });

  test('a 403 at login (it can be the timestamp) is not a refusal: "unknown", duringLogin', async () => {
    await start();
    device.injectFault(sdwanLoginForbidden403());
    const outcome = await client().verifyLogin({ username: 'admin', password: adminPassword });
    expect(outcome.status).toBe('unknown');
    expect(outcome.status === 'unknown' && outcome.error).toBeInstanceOf(ProtocolError);
    expect(outcome.status === 'unknown' && outcome.error.duringLogin).toBe(true);
    expect(outcome.status === 'unknown' && outcome.error.message).toMatch(/403/);
  });

  test('a 401 at login is a refusal whatever its body', async () => {
    await start();
    device.injectFault({ on: 'login', fault: { kind: 'respond', status: 401, body: '<html>Unauthorized</html>' } });
    expect((await client().verifyLogin({ username: 'admin', password: adminPassword })).status).toBe('rejected');
  });

  test.each([['message-only'], ['label'], ['number']] as const)('the user level is read from a login answer shaped "%s" ("level: 1" is admin)', async (loginLevel) => {
    await start({ loginLevel });
    const newPassword = canaryPassword('reset');
    await client().resetPassword({ admin: { username: 'admin', password: adminPassword }, username: 'operator', newPassword });
    expect(device.passwordOf('operator')).toBe(newPassword);
    const error = await client()
      .resetPassword({ admin: { username: 'operator', password: newPassword }, username: 'admin', newPassword: canaryPassword('x') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientPrivilegeError);
  });

  test('a reset that fails for a 5xx still logs the admin out', async () => {
    await start();
    device.injectFault({ on: 'change-password', fault: { kind: 'server-error' } });
    const error = await client()
      .resetPassword({ admin: { username: 'admin', password: adminPassword }, username: 'operator', newPassword: canaryPassword('reset') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(count('logout')).toBe(1);
  });

  test('a self-change ends the session: the cookie used for it is refused afterwards', async () => {
    await start();
    const newPassword = canaryPassword('new');
    await client().changePassword({ username: 'operator', currentPassword: guestPassword, newPassword });
    expect(device.passwordOf('operator')).toBe(newPassword);
    // The device said stay_logged_in 0, so the client did not log out of a session that no longer exists.
    expect(count('logout')).toBe(0);
    const [cookie] = device.issuedTokens();
    const status = await getStatus(device, '/restapi/getNewTimestamp', `CGISESSID=${cookie}`);
    expect(status).toBe(401);
  });
});

function getStatus(device: SimulatedDevice, path: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: device.host, port: device.port, path, method: 'GET', ca: device.certificatePem, headers: { cookie } }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end();
  });
}

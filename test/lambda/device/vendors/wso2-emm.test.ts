import { AuthenticationFailedError, PasswordRejectedError, ProtocolError, SessionExpiredError } from '../../../../lambda/device/errors';
import type { DeviceEndpoint } from '../../../../lambda/device/types';
import { Wso2EmmClient, type Wso2OAuthClientCredentials } from '../../../../lambda/device/vendors/wso2-emm';
import type { SimulatedDevice } from '../../../../local/simulators/device-server';
import { registerOAuthClientByHand, startWso2EmmSimulator, type Wso2EmmSimulatorOptions } from '../../../../local/simulators/wso2-emm';
import { canaryPassword, errorText, expectNoSecrets } from '../../../helpers/canary';
import { describeClientContract } from './client-contract';

describeClientContract({
  vendor: 'wso2-emm',
  start: startWso2EmmSimulator,
  client: (endpoint, options) => new Wso2EmmClient(endpoint, options),
  changeRequest: { on: 'change-password' },
  sessionExpiry: { on: 'change-password', fault: { kind: 'session-expired' } },
  sessionExpiryScope: 'session',
  weakPassword: 'abc',
  policyRejection: 'policy-or-current-password',
});

const USER = 'admin';

describe('WSO2 EMM specifics', () => {
  let device: SimulatedDevice;
  let password: string;

  async function start(options: Partial<Wso2EmmSimulatorOptions> = {}): Promise<void> {
    password = canaryPassword('old');
    device = await startWso2EmmSimulator({ users: [{ username: USER, password }], ...options });
  }

  const endpoint = (): DeviceEndpoint => ({
    vendor: 'wso2-emm',
    host: device.host,
    port: device.port,
    tls: { caCertificate: device.certificatePem },
    requestTimeoutMs: 2_000,
  });

  const operations = (from = 0) => device.requests.slice(from).map((r) => r.operation);

  /** Errors are scanned for every secret the device handed out or holds. */
  function expectClean(error: unknown, extra: readonly string[] = []): void {
    expectNoSecrets(errorText(error), [password, ...extra, ...device.issuedTokens()]);
  }

  const registerByHand = (): Promise<Wso2OAuthClientCredentials> => registerOAuthClientByHand(device, { username: USER, password });

  afterEach(async () => {
    await device.stop();
  });

  test('preconfigured OAuth client credentials skip the registration', async () => {
    await start();
    const credentials = await registerByHand();
    const before = device.requests.length;
    const client = new Wso2EmmClient(endpoint(), {}, credentials);
    const newPassword = canaryPassword('new');
    await client.changePassword({ username: USER, currentPassword: password, newPassword });
    expect(operations(before)).toEqual(['token', 'change-password']);
    expect(device.passwordOf(USER)).toBe(newPassword);
    const outcome = await client.verifyLogin({ username: USER, password: newPassword });
    expect(outcome.status).toBe('accepted');
    expect(operations(before)).toEqual(['token', 'change-password', 'token']);
  });

  test('wrong preconfigured client credentials say nothing of the password: "unavailable", no login attempt counted', async () => {
    await start();
    const client = new Wso2EmmClient(endpoint(), {}, { clientId: 'NOSUCHCLIENT', clientSecret: canaryPassword('secret') });
    const outcome = await client.verifyLogin({ username: USER, password });
    expect(outcome.status).toBe('unavailable');
    expect(outcome.status === 'unavailable' && outcome.error).toBeInstanceOf(ProtocolError);
    expect(operations()).toEqual(['token']);
    expect(device.failedLoginsOf(USER)).toBe(0);
  });

  test('a wrong password during registration stops before the token call: exactly one failed login', async () => {
    await start();
    const client = new Wso2EmmClient(endpoint());
    const outcome = await client.verifyLogin({ username: USER, password: canaryPassword('wrong') });
    expect(outcome.status).toBe('rejected');
    expect(outcome.status === 'rejected' && outcome.error.step).toBe('register-client');
    expect(operations()).toEqual(['register']);
    expect(device.failedLoginsOf(USER)).toBe(1);
  });

  test('an instance registers once per owner and reuses the client afterwards', async () => {
    await start();
    const client = new Wso2EmmClient(endpoint());
    expect((await client.verifyLogin({ username: USER, password })).status).toBe('accepted');
    expect((await client.verifyLogin({ username: USER, password })).status).toBe('accepted');
    expect(operations()).toEqual(['register', 'token', 'token']);
  });

  test('the ambiguous 400 for a policy failure is reported as "policy-or-current-password", pointing at a login check', async () => {
    await start();
    const error = await new Wso2EmmClient(endpoint())
      .changePassword({ username: USER, currentPassword: password, newPassword: 'abc' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PasswordRejectedError);
    expect((error as PasswordRejectedError).reason).toBe('policy-or-current-password');
    expect((error as PasswordRejectedError).step).toBe('change-password');
    expect((error as Error).message).toMatch(/login with the current password tells which/);
    expect((error as Error).message).toContain('Old password does not match.');
    expect(device.passwordOf(USER)).toBe(password);
    expectClean(error);
  });

  test('a password changed behind the client\'s back between token and change gives the same ambiguous answer', async () => {
    await start();
    const changedByHand = canaryPassword('hand');
    // The change request is held for a while on arrival; the password is changed by hand meanwhile.
    device.injectFault({ on: 'change-password', fault: { kind: 'latency', ms: 300 } });
    const pending = new Wso2EmmClient(endpoint())
      .changePassword({ username: USER, currentPassword: password, newPassword: canaryPassword('new') })
      .catch((e: unknown) => e);
    while (!operations().includes('change-password')) await new Promise((resolve) => setTimeout(resolve, 5));
    device.overwriteAccount(USER, { password: changedByHand });
    const error = await pending;
    expect(error).toBeInstanceOf(PasswordRejectedError);
    expect((error as PasswordRejectedError).reason).toBe('policy-or-current-password');
    expect(device.passwordOf(USER)).toBe(changedByHand);
    expect(device.failedLoginsOf(USER)).toBe(1);
    expectClean(error, [changedByHand]);
  });

  test('an access token past tokenLifetimeMs is refused (401) and reported as an expired session', async () => {
    await start({ tokenLifetimeMs: 50 });
    device.injectFault({ on: 'change-password', fault: { kind: 'latency', ms: 120 } });
    const error = await new Wso2EmmClient(endpoint())
      .changePassword({ username: USER, currentPassword: password, newPassword: canaryPassword('new') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionExpiredError);
    expect((error as SessionExpiredError).scope).toBe('session');
    expect((error as SessionExpiredError).httpStatus).toBe(401);
    expect(device.passwordOf(USER)).toBe(password);
    expectClean(error);
  });

  test('passwords are sent base64-encoded: the device holds the plain new password afterwards', async () => {
    // The simulator refuses plain values (see the simulator tests); a client sending them could not succeed here.
    await start();
    const newPassword = canaryPassword('new');
    await new Wso2EmmClient(endpoint()).changePassword({ username: USER, currentPassword: password, newPassword });
    expect(device.passwordOf(USER)).toBe(newPassword);
    expect(device.failedLoginsOf(USER)).toBe(0);
  });

  test('a wrong current password is refused at the token grant when the client is preconfigured', async () => {
    await start();
    const credentials = await registerByHand();
    const client = new Wso2EmmClient(endpoint(), {}, credentials);
    const error = await client
      .changePassword({ username: USER, currentPassword: canaryPassword('wrong'), newPassword: canaryPassword('new') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationFailedError);
    expect((error as AuthenticationFailedError).step).toBe('token');
    expect(device.failedLoginsOf(USER)).toBe(1);
    expectClean(error, [credentials.clientSecret]);
  });
});

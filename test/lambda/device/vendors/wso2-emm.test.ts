import { AuthenticationFailedError, PasswordRejectedError, ProtocolError, SessionExpiredError } from '../../../../lambda/device/errors';
import type { DeviceEndpoint } from '../../../../lambda/device/types';
import { DeviceHttp } from '../../../../lambda/device/http';
import { forgetRegisteredWso2Clients, Wso2EmmClient, type Wso2OAuthClientCredentials } from '../../../../lambda/vendors/wso2-emm/client';
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
  loginOperation: 'token',
  refusalVariants: [
    {
      name: 'invalid_client-401, oauthClient configured',
      options: { badCredentials: 'invalid_client-401' },
      client: async (endpoint, device, credentials) => new Wso2EmmClient(endpoint, {}, await registerOAuthClientByHand(device, credentials)),
    },
    {
      name: 'invalid_grant-400, oauthClient configured',
      options: {},
      client: async (endpoint, device, credentials) => new Wso2EmmClient(endpoint, {}, await registerOAuthClientByHand(device, credentials)),
    },
  ],
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
    forgetRegisteredWso2Clients();
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

  test('any 401 at the token endpoint is a refused login, invalid_client from a configured oauthClient included', async () => {
    await start();
    const secret = canaryPassword('secret');
    const client = new Wso2EmmClient(endpoint(), {}, { clientId: 'NOSUCHCLIENT', clientSecret: secret });
    const outcome = await client.verifyLogin({ username: USER, password });
    expect(outcome.status).toBe('rejected');
    expect(outcome.status === 'rejected' && outcome.error.duringLogin).toBe(true);
    expect(outcome.status === 'rejected' && outcome.error.httpStatus).toBe(401);
    expect(operations()).toEqual(['token']);
    expectClean(outcome.status === 'rejected' ? outcome.error : undefined, [secret]);
  });

  test('a registration costs no login: it sends no credential, and one wrong password costs exactly one failed login', async () => {
    await start();
    const spy = jest.spyOn(DeviceHttp.prototype, 'request');
    const wrong = canaryPassword('wrong');
    const outcome = await new Wso2EmmClient(endpoint()).verifyLogin({ username: USER, password: wrong });
    expect(outcome.status).toBe('rejected');
    expect(outcome.status === 'rejected' && outcome.error.step).toBe('token');
    expect(operations()).toEqual(['register', 'token']);
    expect(device.failedLoginsOf(USER)).toBe(1);
    const registration = spy.mock.calls.map(([, request]) => request).find((request) => request.path === '/dynamic-client-web/register');
    expect(registration?.headers?.authorization).toBeUndefined();
    expectNoSecrets(JSON.stringify(registration), [wrong]);
    spy.mockRestore();
  });

  test('a registration that fails says nothing of the password and cost no login: "unavailable"', async () => {
    await start();
    device.injectFault({ on: 'register', fault: { kind: 'respond', status: 401, body: 'Unauthorized' } });
    const outcome = await new Wso2EmmClient(endpoint()).verifyLogin({ username: USER, password });
    expect(outcome.status).toBe('unavailable');
    expect(outcome.status === 'unavailable' && outcome.error).toBeInstanceOf(ProtocolError);
    expect(outcome.status === 'unavailable' && outcome.error.duringLogin).toBe(false);
    expect(operations()).toEqual(['register']);
  });

  test('a registered client the device answers 401 for is forgotten: the next attempt registers again', async () => {
    await start();
    const client = new Wso2EmmClient(endpoint());
    expect((await client.verifyLogin({ username: USER, password })).status).toBe('accepted');
    device.injectFault({ on: 'token', fault: { kind: 'respond', status: 401, body: { error: 'invalid_client', error_description: 'Client Authentication failed.' } } });
    expect((await client.verifyLogin({ username: USER, password })).status).toBe('rejected');
    expect((await client.verifyLogin({ username: USER, password })).status).toBe('accepted');
    expect(operations()).toEqual(['register', 'token', 'token', 'register', 'token']);
  });

  test.each([
    ['a 400 with another OAuth error', 400, { error: 'invalid_request', error_description: 'Missing parameters' }],
    ['a 403', 403, 'Forbidden'],
    ['a 200 without a token', 200, { token_type: 'Bearer' }],
  ])('%s at the token endpoint is an unknown outcome of the login', async (_label, status, body) => {
    await start();
    device.injectFault({ on: 'token', fault: { kind: 'respond', status, body } });
    const outcome = await new Wso2EmmClient(endpoint(), {}, await registerByHand()).verifyLogin({ username: USER, password });
    expect(outcome.status).toBe('unknown');
    expect(outcome.status === 'unknown' && outcome.error).toBeInstanceOf(ProtocolError);
    expect(outcome.status === 'unknown' && outcome.error.duringLogin).toBe(true);
  });

  test('a wrong current password in a change costs exactly one failed login, with dynamic registration', async () => {
    await start();
    const error = await new Wso2EmmClient(endpoint())
      .changePassword({ username: USER, currentPassword: canaryPassword('wrong'), newPassword: canaryPassword('new') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationFailedError);
    expect((error as AuthenticationFailedError).duringLogin).toBe(true);
    expect(device.failedLoginsOf(USER)).toBe(1);
    expect(device.account(USER).totalFailedLogins).toBe(1);
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

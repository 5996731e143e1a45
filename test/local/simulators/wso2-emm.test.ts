import { request } from 'node:https';
import type { SimulatedDevice } from '../../../local/simulators/device-server';
import { startWso2EmmSimulator, WSO2_EMM_TEXTS, WSO2_EMM_UNCONFIRMED } from '../../../local/simulators/wso2-emm';
import { canaryPassword } from '../../helpers/canary';

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  readonly json: unknown;
}

const USER = 'kim';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const basic = (user: string, password: string) => `Basic ${b64(`${user}:${password}`)}`;

describe('WSO2 EMM simulator (raw protocol)', () => {
  let device: SimulatedDevice;
  let password: string;

  beforeEach(async () => {
    password = canaryPassword('kim');
    device = await startWso2EmmSimulator({ users: [{ username: USER, password }, { username: 'guest', password: 'guest-pw1', role: 'guest' }] });
  });

  afterEach(async () => {
    await device.stop();
  });

  function send(path: string, headers: Record<string, string>, body: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = request({ host: device.host, port: device.port, method: 'POST', path, ca: device.certificatePem, headers }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), text, json });
        });
      });
      req.once('error', reject);
      req.end(body);
    });
  }

  const register = (user = USER, pw = password, clientName = 'test-app') =>
    send(
      '/dynamic-client-web/register',
      { 'content-type': 'application/json', authorization: basic(user, pw) },
      JSON.stringify({ owner: user, clientName, grantType: 'password refresh_token', tokenScope: 'default', saasApp: true }),
    );

  async function client(): Promise<{ id: string; secret: string }> {
    const answer = await register();
    const body = answer.json as { client_id: string; client_secret: string };
    return { id: body.client_id, secret: body.client_secret };
  }

  const grant = (app: { id: string; secret: string }, user: string, pw: string) =>
    send(
      '/oauth2/token',
      { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(app.id, app.secret) },
      new URLSearchParams({ grant_type: 'password', username: user, password: pw, scope: 'default' }).toString(),
    );

  async function accessToken(): Promise<string> {
    return ((await grant(await client(), USER, password)).json as { access_token: string }).access_token;
  }

  const changePassword = (token: string, body: Record<string, string>) =>
    send('/mdm-admin/users/change-password', { 'content-type': 'application/json', authorization: `Bearer ${token}` }, JSON.stringify(body));

  test('registration answers 201 with client credentials, and is idempotent per owner and client name', async () => {
    const first = await register();
    expect(first.status).toBe(201);
    const body = first.json as Record<string, unknown>;
    expect(body.client_id).toEqual(expect.any(String));
    expect(body.client_secret).toEqual(expect.any(String));
    expect(body.client_name).toEqual(expect.stringContaining('test-app'));
    const again = await register();
    expect(again.status).toBe(201);
    expect((again.json as Record<string, unknown>).client_id).toBe(body.client_id);
    expect((again.json as Record<string, unknown>).client_secret).toBe(body.client_secret);
    expect(device.issuedTokens()).toContain(body.client_secret);
  });

  test('registration is not authenticated (vendor-notes §5): a wrong Basic password, or none, registers all the same and costs no login', async () => {
    const wrong = await register(USER, 'wrong-password');
    expect(wrong.status).toBe(201);
    const none = await send(
      '/dynamic-client-web/register',
      { 'content-type': 'application/json' },
      JSON.stringify({ owner: USER, clientName: 'no-auth-app', grantType: 'password refresh_token', tokenScope: 'default', saasApp: true }),
    );
    expect(none.status).toBe(201);
    expect(device.failedLoginsOf(USER)).toBe(0);
    expect(device.account(USER).totalFailedLogins).toBe(0);
  });

  test('the password grant answers the OAuth shapes: tokens, invalid_grant, invalid_client', async () => {
    const app = await client();
    const ok = await grant(app, USER, password);
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'default',
    });
    const { access_token: access, refresh_token: refresh } = ok.json as { access_token: string; refresh_token: string };
    expect(device.issuedTokens()).toEqual(expect.arrayContaining([access, refresh]));

    const bad = await grant(app, USER, 'wrong-password');
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error: 'invalid_grant', error_description: `Authentication failed for ${USER}@carbon.super` });

    const badClient = await grant({ id: app.id, secret: 'not-the-secret' }, USER, password);
    expect(badClient.status).toBe(401);
    expect((badClient.json as { error: string }).error).toBe('invalid_client');
  });

  test('a missing, unknown or expired bearer token is a 401 in plain text', async () => {
    const body = { username: USER, oldPassword: b64(password), newPassword: b64(canaryPassword('new')) };
    const unknown = await changePassword('0123456789abcdef0123456789abcdef', body);
    expect(unknown.status).toBe(401);
    expect(unknown.contentType).toMatch(/text\/plain/);
    expect(unknown.text).toBe(WSO2_EMM_TEXTS.unauthorized);

    const missing = await send('/mdm-admin/users/change-password', { 'content-type': 'application/json' }, JSON.stringify(body));
    expect(missing.status).toBe(401);
    expect(missing.text).toBe('Failed to authorize incoming request');

    const token = await accessToken();
    device.injectFault({ on: 'change-password', fault: { kind: 'session-expired' } });
    expect((await changePassword(token, body)).status).toBe(401);
    // The fault forgot the token: it stays refused.
    expect((await changePassword(token, body)).status).toBe(401);
    expect(device.passwordOf(USER)).toBe(password);
  });

  test('a change with base64 passwords answers the seed\'s 201 shape', async () => {
    const newPassword = canaryPassword('new');
    const answer = await changePassword(await accessToken(), { username: USER, oldPassword: b64(password), newPassword: b64(newPassword) });
    expect(answer.status).toBe(201);
    expect(answer.json).toEqual({ statusCode: 201, messageFromServer: 'User password by username: kim was successfully changed.' });
    expect(device.passwordOf(USER)).toBe(newPassword);
  });

  test('checkOrder: the old password is checked first by default (vendor-notes §5), so a wrong one counts even with a weak new one; new-first does not reach it', async () => {
    const token = await accessToken();
    const weakWithWrongOld = { username: USER, oldPassword: b64('wrong-password'), newPassword: b64('abc') };
    expect((await changePassword(token, weakWithWrongOld)).status).toBe(400);
    expect(device.failedLoginsOf(USER)).toBe(1);
    await device.stop();
    device = await startWso2EmmSimulator({ users: [{ username: USER, password }], checkOrder: 'new-first' });
    expect((await changePassword(await accessToken(), weakWithWrongOld)).json).toEqual({ statusCode: 400, messageFromServer: WSO2_EMM_TEXTS.changeFailed });
    expect(device.failedLoginsOf(USER)).toBe(0);
  });

  test('every user-store failure is the same 400: wrong old password, policy, plain (non-base64) values', async () => {
    const token = await accessToken();
    const ambiguous = { statusCode: 400, messageFromServer: 'Old password does not match.' };

    const wrongOld = await changePassword(token, { username: USER, oldPassword: b64('wrong-password'), newPassword: b64(canaryPassword('new')) });
    expect(wrongOld.status).toBe(400);
    expect(wrongOld.json).toEqual(ambiguous);
    expect(device.failedLoginsOf(USER)).toBe(1);

    const policy = await changePassword(token, { username: USER, oldPassword: b64(password), newPassword: b64('abcd') });
    expect(policy.json).toEqual(ambiguous);
    const whitespace = await changePassword(token, { username: USER, oldPassword: b64(password), newPassword: b64('has white space') });
    expect(whitespace.json).toEqual(ambiguous);

    const plain = await changePassword(token, { username: USER, oldPassword: password, newPassword: canaryPassword('new') });
    expect(plain.status).toBe(400);
    expect(plain.json).toEqual(ambiguous);
    expect(device.passwordOf(USER)).toBe(password);
  });

  test('a non-admin token may not change another user\'s password', async () => {
    const registered = await register('guest', 'guest-pw1', 'guest-app');
    const app = registered.json as { client_id: string; client_secret: string };
    const token = ((await grant({ id: app.client_id, secret: app.client_secret }, 'guest', 'guest-pw1')).json as { access_token: string }).access_token;
    const answer = await changePassword(token, { username: USER, oldPassword: b64(password), newPassword: b64(canaryPassword('new')) });
    expect(answer.status).toBe(403);
    expect(device.passwordOf(USER)).toBe(password);
  });

  test('five failed logins lock the account; the password grant then says so (invalid_grant, 17003)', async () => {
    const app = await client();
    for (let attempt = 0; attempt < 5; attempt += 1) expect((await grant(app, USER, `wrong-${attempt}`)).status).toBe(400);
    expect(device.isLocked(USER)).toBe(true);
    const locked = await grant(app, USER, password);
    expect(locked.status).toBe(400);
    expect(locked.json).toEqual({ error: 'invalid_grant', error_description: WSO2_EMM_UNCONFIRMED.lockedDescription });
    expect(WSO2_EMM_UNCONFIRMED.lockedDescription).toMatch(/17003/);
    // Registration looks at no credential: a locked account registers all the same.
    expect((await register()).status).toBe(201);
  });

  test('badCredentials "invalid_client-401" refuses a bad user with 401 invalid_client, and counts it', async () => {
    await device.stop();
    device = await startWso2EmmSimulator({ users: [{ username: USER, password }], badCredentials: 'invalid_client-401' });
    const app = await client();
    const bad = await grant(app, USER, 'wrong-password');
    expect(bad.status).toBe(401);
    expect(bad.json).toEqual({ error: 'invalid_client', error_description: WSO2_EMM_TEXTS.invalidClient });
    expect(device.failedLoginsOf(USER)).toBe(1);
    expect((await grant(app, USER, password)).status).toBe(200);
  });
});

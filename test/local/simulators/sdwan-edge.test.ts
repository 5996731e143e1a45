import { request } from 'node:https';
import type { SimulatedDevice } from '../../../local/simulators/device-server';
import {
  SDWAN_EDGE_PATHS,
  SDWAN_EDGE_TEXTS,
  type SdwanEdgeSimulatorOptions,
  sdwanLoginForbidden403,
  startSdwanEdgeSimulator,
} from '../../../local/simulators/sdwan-edge';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Record<string, unknown>;
}

/** One raw HTTPS exchange with the simulated device, trusting only its certificate. */
function call(device: SimulatedDevice, method: string, path: string, options: { json?: unknown; raw?: string; cookie?: string } = {}): Promise<Answer> {
  const payload = options.raw ?? (options.json === undefined ? undefined : JSON.stringify(options.json));
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.cookie !== undefined) headers.cookie = `CGISESSID=${options.cookie}`;
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  return new Promise((resolve, reject) => {
    const req = request({ host: device.host, port: device.port, method, path, headers, ca: device.certificatePem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
      });
    });
    req.once('error', reject);
    req.end(payload);
  });
}

const ADMIN = { username: 'admin', password: 'Admin-Pass-1' };
const GUEST = { username: 'guest', password: 'Guest-Pass-1' };
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('SD-WAN Edge simulator (raw protocol)', () => {
  let device: SimulatedDevice;

  async function start(options: Partial<SdwanEdgeSimulatorOptions> = {}) {
    device = await startSdwanEdgeSimulator({
      users: [
        { ...ADMIN, role: 'admin' },
        { ...GUEST, role: 'guest' },
      ],
      ...options,
    });
  }

  async function login(user: { username: string; password: string }): Promise<{ cookie: string; timestamp: string; answer: Answer }> {
    const answer = await call(device, 'POST', SDWAN_EDGE_PATHS.login, { json: { login: user } });
    const setCookie = String((answer.headers['set-cookie'] ?? [])[0] ?? '');
    const cookie = /^CGISESSID=([0-9a-f]+)/.exec(setCookie)?.[1] ?? '';
    return { cookie, timestamp: String(answer.body.timestamp), answer };
  }

  const change = (cookie: string, body: Record<string, unknown>) => call(device, 'POST', SDWAN_EDGE_PATHS.changePassword, { json: body, cookie });

  beforeEach(() => start());
  afterEach(() => device.stop());

  test('login answers the documented shape, with a 64-hex CGISESSID cookie and a base64 epoch timestamp', async () => {
    const { answer, cookie, timestamp } = await login(ADMIN);
    expect(answer.status).toBe(200);
    expect(answer.headers['set-cookie']).toEqual([expect.stringMatching(/^CGISESSID=[0-9a-f]{64}; path=\/; secure$/)]);
    expect(answer.body).toEqual({
      status: 'success',
      user_level: 1,
      user_level_str: 'admin',
      message: 'Login Success - Created session for user admin - level: 1',
      timestamp: expect.any(String),
    });
    const seconds = Number(Buffer.from(timestamp, 'base64').toString('utf8'));
    expect(Math.abs(seconds - Date.now() / 1000)).toBeLessThan(5);
    expect(device.issuedTokens()).toEqual([cookie]);

    const guest = await login(GUEST);
    expect(guest.answer.body).toMatchObject({ user_level: 0, user_level_str: 'guest' });

    const fresh = await call(device, 'GET', SDWAN_EDGE_PATHS.timestamp, { cookie });
    expect(fresh.status).toBe(200);
    expect(fresh.body).toEqual({ status: 'success', timestamp: expect.any(String) });
  });

  test('the change must be a POST (405), needs a session (401), and readable JSON (400)', async () => {
    const { cookie } = await login(ADMIN);
    const get = await call(device, 'GET', SDWAN_EDGE_PATHS.changePassword, { cookie });
    expect(get.status).toBe(405);
    expect(get.body).toEqual({ message: 'Operation must use a POST', status: 'fail' });

    const anonymous = await call(device, 'POST', SDWAN_EDGE_PATHS.changePassword, { json: { username: 'admin' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ message: 'Not logged in.', status: 'fail' });
    expect((await call(device, 'GET', SDWAN_EDGE_PATHS.timestamp)).status).toBe(401);

    const malformed = await call(device, 'POST', SDWAN_EDGE_PATHS.changePassword, { raw: '{"username":', cookie });
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toBe('Malformed JSON string in POST data');
  });

  test('timestamps: missing or undecodable is an invalid request, old is timed out, a fresh one is accepted', async () => {
    const { cookie, timestamp } = await login(ADMIN);
    const body = { username: 'admin', oldpwd: ADMIN.password, newpwd: 'Newer-Pass-2', confirmpwd: 'Newer-Pass-2' };
    const invalid = { status: 'fail', message: 'Invalid POST Request' };
    expect(await change(cookie, body)).toMatchObject({ status: 403, body: invalid });
    expect(await change(cookie, { ...body, timestamp: '%%not-base64%%' })).toMatchObject({ status: 403, body: invalid });
    expect(await change(cookie, { ...body, timestamp: b64('yesterday') })).toMatchObject({ status: 403, body: invalid });
    const hourAgo = b64(String(Math.floor(Date.now() / 1000) - 3600));
    expect(await change(cookie, { ...body, timestamp: hourAgo })).toMatchObject({ status: 403, body: { status: 'fail', message: 'POST Request Timed Out' } });
    expect(device.passwordOf('admin')).toBe(ADMIN.password);
    expect(await change(cookie, { ...body, timestamp })).toMatchObject({ status: 200 });
    expect(device.passwordOf('admin')).toBe('Newer-Pass-2');
  });

  test('a timestamp older than timestampMaxAgeMs is refused until a new one is fetched', async () => {
    await device.stop();
    await start({ timestampMaxAgeMs: 50 });
    const { cookie, timestamp } = await login(ADMIN);
    await new Promise((resolve) => setTimeout(resolve, 120));
    const body = { username: 'admin', oldpwd: ADMIN.password, newpwd: 'Newer-Pass-2', confirmpwd: 'Newer-Pass-2' };
    expect((await change(cookie, { ...body, timestamp })).body.message).toBe('POST Request Timed Out');
    const fresh = await call(device, 'GET', SDWAN_EDGE_PATHS.timestamp, { cookie });
    expect((await change(cookie, { ...body, timestamp: fresh.body.timestamp })).status).toBe(200);
  });

  test('self-change: oldpwd required and checked (a wrong one counts as a failed login), then the session ends', async () => {
    const { cookie, timestamp } = await login(ADMIN);
    const wrong = await change(cookie, { username: 'admin', oldpwd: 'nope', newpwd: 'Newer-Pass-2', confirmpwd: 'Newer-Pass-2', timestamp });
    expect(wrong).toMatchObject({ status: 400, body: { status: 'fail', message: SDWAN_EDGE_TEXTS.oldPasswordWrong } });
    expect(device.failedLoginsOf('admin')).toBe(1);
    const mismatch = await change(cookie, { username: 'admin', oldpwd: ADMIN.password, newpwd: 'Newer-Pass-2', confirmpwd: 'Newer-Pass-3', timestamp });
    expect(mismatch.body.message).toBe(SDWAN_EDGE_TEXTS.mismatch);
    const weak = await change(cookie, { username: 'admin', oldpwd: ADMIN.password, newpwd: 'weak', confirmpwd: 'weak', timestamp });
    expect(weak).toMatchObject({ status: 400, body: { message: expect.stringMatching(/requirements/) } });
    const ok = await change(cookie, { username: 'admin', oldpwd: ADMIN.password, newpwd: 'Newer-Pass-2', confirmpwd: 'Newer-Pass-2', timestamp });
    expect(ok).toEqual({
      status: 200,
      headers: expect.anything(),
      body: { data: { message: 'Password Change Success - Your password has been changed.', stay_logged_in: 0 }, status: 'success' },
    });
    expect((await call(device, 'GET', SDWAN_EDGE_PATHS.timestamp, { cookie })).status).toBe(401);
  });

  test('an admin resets another user without oldpwd and stays logged in; a guest may not touch another user', async () => {
    const guest = await login(GUEST);
    const denied = await change(guest.cookie, { username: 'admin', newpwd: 'Newer-Pass-2', confirmpwd: 'Newer-Pass-2', timestamp: guest.timestamp });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({
      message: `User Level for user guest is not sufficient for this ${SDWAN_EDGE_PATHS.changePassword} operation.`,
      required_user_level: 'ADMIN',
      status: 'fail',
      user_level: 'GUEST',
      user_name: 'guest',
    });
    expect(device.passwordOf('admin')).toBe(ADMIN.password);

    const admin = await login(ADMIN);
    const reset = await change(admin.cookie, { username: 'guest', newpwd: 'Newer-Pass-2', confirmpwd: 'Newer-Pass-2', timestamp: admin.timestamp });
    expect(reset.body).toEqual({ data: { message: SDWAN_EDGE_TEXTS.changed, stay_logged_in: 1 }, status: 'success' });
    expect(device.passwordOf('guest')).toBe('Newer-Pass-2');
    expect((await call(device, 'GET', SDWAN_EDGE_PATHS.timestamp, { cookie: admin.cookie })).status).toBe(200);
    // The target's own sessions end with its old password.
    expect((await call(device, 'GET', SDWAN_EDGE_PATHS.timestamp, { cookie: guest.cookie })).status).toBe(401);
  });

  test('five failed logins lock the account; then even the right password is refused as locked', async () => {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const refused = await call(device, 'POST', SDWAN_EDGE_PATHS.login, { json: { login: { username: 'admin', password: `wrong-${attempt}` } } });
      expect(refused).toMatchObject({ status: 401, body: { status: 'fail', message: SDWAN_EDGE_TEXTS.badLogin } });
      expect(refused.headers['set-cookie']).toBeUndefined();
    }
    expect(device.isLocked('admin')).toBe(true);
    const locked = await call(device, 'POST', SDWAN_EDGE_PATHS.login, { json: { login: ADMIN } });
    expect(locked.status).toBe(401);
    expect(String(locked.body.message)).toMatch(/locked/);
    expect(device.issuedTokens()).toEqual([]);
  });

  test('loginLevel variants: only the message says the level ("message-only"), or the seed\'s "level: admin" ("label")', async () => {
    await device.stop();
    await start({ loginLevel: 'message-only' });
    expect((await login(ADMIN)).answer.body).toEqual({
      status: 'success',
      message: 'Login Success - Created session for user admin - level: 1',
      timestamp: expect.any(String),
    });
    await device.stop();
    await start({ loginLevel: 'label' });
    expect((await login(ADMIN)).answer.body).toMatchObject({ user_level: 1, message: expect.stringMatching(/level: admin$/) });
  });

  test('the login-403 fault answers "Invalid POST Request" without looking at the credentials (or after, if asked)', async () => {
    device.injectFault(sdwanLoginForbidden403());
    const refused = await call(device, 'POST', SDWAN_EDGE_PATHS.login, { json: { login: { username: 'admin', password: 'wrong' } } });
    expect(refused).toMatchObject({ status: 403, body: { status: 'fail', message: 'Invalid POST Request' } });
    expect(device.failedLoginsOf('admin')).toBe(0);
    device.injectFault(sdwanLoginForbidden403({ afterHandling: true }));
    await call(device, 'POST', SDWAN_EDGE_PATHS.login, { json: { login: { username: 'admin', password: 'wrong' } } });
    expect(device.failedLoginsOf('admin')).toBe(1);
  });

  test('by default five failed logins within 900 s lock for 900 s', () => {
    expect(device.lockout).toEqual({ attempts: 5, windowSeconds: 900 });
  });

  test('logout ends the session', async () => {
    const { cookie } = await login(ADMIN);
    expect((await call(device, 'POST', SDWAN_EDGE_PATHS.logout, { cookie })).status).toBe(200);
    expect((await call(device, 'GET', SDWAN_EDGE_PATHS.timestamp, { cookie })).status).toBe(401);
  });
});

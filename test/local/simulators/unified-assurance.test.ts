import { request } from 'node:https';
import type { SimulatedDevice } from '../../../local/simulators/device-server';
import { startSdwanEdgeSimulator } from '../../../local/simulators/sdwan-edge';
import { startUnifiedAssuranceSimulator, UNIFIED_ASSURANCE_TEXTS, type UaLoginRefusal } from '../../../local/simulators/unified-assurance';
import { canaryPassword } from '../../helpers/canary';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

function post(device: SimulatedDevice, path: string, body: unknown): Promise<Answer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: device.host, port: device.port, method: 'POST', path, ca: device.certificatePem, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.once('error', reject);
    req.end(payload);
  });
}

const LOGIN = '/api/core/Login/executeLogin';

describe('Unified Assurance simulator: refused-login shapes (vendor-notes §5)', () => {
  let device: SimulatedDevice;
  let password: string;
  afterEach(() => device.stop());

  async function start(loginRefusal?: UaLoginRefusal) {
    password = canaryPassword();
    device = await startUnifiedAssuranceSimulator({ users: [{ username: 'admin', password }], ...(loginRefusal ? { loginRefusal } : {}) });
  }

  test('by default a refused login is the web server\'s 401 HTML page with WWW-Authenticate: Basic', async () => {
    await start();
    const answer = await post(device, LOGIN, { Username: 'admin', Password: 'wrong' });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toMatch(/^Basic /);
    expect(answer.headers['content-type']).toMatch(/text\/html/);
    expect(answer.text).toMatch(/<title>401 Unauthorized<\/title>/);
    expect(device.failedLoginsOf('admin')).toBe(1);
  });

  test('"success-false" answers 200 success:false; "json" the API\'s 401 JSON', async () => {
    await start('success-false');
    const soft = await post(device, LOGIN, { Username: 'admin', Password: 'wrong' });
    expect(soft.status).toBe(200);
    expect(JSON.parse(soft.text)).toEqual({ success: false, message: UNIFIED_ASSURANCE_TEXTS.badLogin });
    await device.stop();
    await start('json');
    const hard = await post(device, LOGIN, { Username: 'admin', Password: 'wrong' });
    expect(hard.status).toBe(401);
    expect(JSON.parse(hard.text)).toEqual({ success: false, message: UNIFIED_ASSURANCE_TEXTS.badLogin });
  });

  test('a locked account is told in the API\'s JSON envelope, whatever the refusal shape', async () => {
    await start();
    device.overwriteAccount('admin', { locked: true });
    const answer = await post(device, LOGIN, { Username: 'admin', Password: password });
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text)).toEqual({ success: false, message: UNIFIED_ASSURANCE_TEXTS.locked });
  });
});

describe('common simulator options', () => {
  test('lockoutThreshold still works: that many consecutive failures lock until unlocked by hand', async () => {
    const device = await startSdwanEdgeSimulator({ users: [{ username: 'admin', password: 'Admin-Pass-1' }], lockoutThreshold: 2 });
    try {
      expect(device.lockout).toEqual({ attempts: 2, windowSeconds: Infinity, lockSeconds: Infinity });
      for (const attempt of [1, 2]) await post(device, '/restapi/login', { login: { username: 'admin', password: `wrong-${attempt}` } });
      expect(device.isLocked('admin')).toBe(true);
      expect(device.lockoutsOf('admin')).toBe(1);
    } finally {
      await device.stop();
    }
  });

  test('lockout overrides the vendor default; lockoutsOf counts every lock across a campaign', async () => {
    let now = Date.now();
    const device = await startSdwanEdgeSimulator({ users: [{ username: 'admin', password: 'Admin-Pass-1' }], lockout: { attempts: 2, windowSeconds: 60, lockSeconds: 10 }, now: () => now });
    try {
      const wrong = () => post(device, '/restapi/login', { login: { username: 'admin', password: 'wrong' } });
      await wrong();
      await wrong();
      expect(device.isLocked('admin')).toBe(true);
      now += 11_000;
      expect(device.isLocked('admin')).toBe(false);
      await wrong();
      await wrong();
      expect(device.lockoutsOf('admin')).toBe(2);
    } finally {
      await device.stop();
    }
  });

  test('the "respond" fault answers in place of the device, before acting or (afterHandling) after', async () => {
    const device = await startSdwanEdgeSimulator({ users: [{ username: 'admin', password: 'Admin-Pass-1' }] });
    try {
      device.injectFault({ on: 'login', fault: { kind: 'respond', status: 418, body: 'teapot', headers: { 'content-type': 'text/html' } } });
      const answer = await post(device, '/restapi/login', { login: { username: 'admin', password: 'wrong' } });
      expect(answer).toMatchObject({ status: 418, text: 'teapot' });
      expect(answer.headers['content-type']).toBe('text/html');
      expect(device.failedLoginsOf('admin')).toBe(0);
      device.injectFault({ on: 'login', fault: { kind: 'respond', status: 418, body: { x: 1 }, afterHandling: true } });
      expect((await post(device, '/restapi/login', { login: { username: 'admin', password: 'wrong' } })).text).toBe('{"x":1}');
      expect(device.failedLoginsOf('admin')).toBe(1);
    } finally {
      await device.stop();
    }
  });
});

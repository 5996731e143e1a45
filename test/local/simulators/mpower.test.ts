import { request as httpsRequest } from 'node:https';
import type { SimulatedDevice } from '../../../local/simulators/device-server';
import { MPOWER_STATUS, MPOWER_TEXTS, startMPowerSimulator } from '../../../local/simulators/mpower';
import { canaryPassword } from '../../helpers/canary';

interface Answer {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

interface AasResult {
  readonly aasDone: boolean;
  readonly aasID: string;
  readonly aasMsg: string;
  readonly aasType: string;
}

const USER = 'admin';

describe('mPower simulator, raw protocol', () => {
  let device: SimulatedDevice;
  let password: string;

  beforeEach(async () => {
    password = canaryPassword();
    device = await startMPowerSimulator({
      users: [
        { username: USER, password },
        { username: 'guest', password: 'Guest#123', role: 'guest' },
      ],
    });
  });

  afterEach(() => device.stop());

  function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = payload === undefined ? {} : { 'content-type': 'application/json' };
      const req = httpsRequest({ host: device.host, port: device.port, path, method, headers, ca: device.certificatePem }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  const q = (value: string) => encodeURIComponent(value);
  const loginByQuery = (username: string, pw: string) => call('GET', `/api/login?username=${q(username)}&password=${q(pw)}`);
  async function token(username = USER, pw = password): Promise<string> {
    const answer = await call('POST', '/api/login', { username, password: pw });
    return (answer.json.result as { token: string }).token;
  }
  /** The seed's form: GET with `?data=<json>&method=POST`. */
  const passwdByQuery = (tok: string, data: unknown) => call('GET', `/api/command/passwd?token=${q(tok)}&data=${q(JSON.stringify(data))}&method=POST`);
  const passwdByBody = (tok: string, data: unknown) => call('POST', `/api/command/passwd?token=${q(tok)}`, data);
  const aas = (answer: Answer) => answer.json.result as AasResult;

  function expectFail(answer: Answer, status: number, error?: string | RegExp) {
    expect(answer.status).toBe(status);
    expect(answer.json).toEqual({ code: status, status: 'fail', error: expect.any(String) });
    if (error !== undefined) expect(answer.json.error).toMatch(error);
  }

  test('login answers in the shape of the seed, by query string (GET) and by JSON body (POST)', async () => {
    for (const answer of [await loginByQuery(USER, password), await call('POST', '/api/login', { username: USER, password })]) {
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({
        code: 200,
        status: 'success',
        result: {
          address: expect.any(String),
          isipcuser: false,
          isremoteuser: false,
          permission: 'admin',
          port: expect.stringMatching(/^\d+$/),
          timestamp: expect.stringMatching(/^\d{2}:\d{2}:\d{2}:\d{3}$/),
          token: expect.stringMatching(/^[0-9A-F]+$/),
          user: USER,
        },
      });
    }
    expect(device.issuedTokens()).toHaveLength(2);
  });

  test('the whole conversation in the seed form, shape by shape; then only the new password logs in', async () => {
    const tok = await token();
    const open = await passwdByQuery(tok, { username: USER });
    expect(open.json).toMatchObject({ code: 200, status: 'success' });
    expect(aas(open)).toEqual({ aasDone: false, aasID: expect.stringMatching(/^[A-Z0-9]{30}$/), aasMsg: 'Changing password for admin.', aasType: 'info' });
    const aasID = aas(open).aasID;
    expect(device.issuedTokens()).toContain(aasID);

    const next = canaryPassword('next');
    const steps: Array<[string, Partial<AasResult>]> = [
      [password, { aasDone: false, aasMsg: 'Current password: ', aasType: 'question; input hide' }],
      [password, { aasDone: false, aasMsg: 'New password: ', aasType: 'question; input hide' }],
      [next, { aasDone: false, aasMsg: 'Retype new password: ', aasType: 'question; input hide' }],
      [next, { aasDone: true, aasMsg: 'Change password success!', aasType: 'info' }],
    ];
    for (const [aasAnswer, expected] of steps) {
      const answer = await passwdByQuery(tok, { username: USER, aasID, aasAnswer });
      expect(answer.status).toBe(200);
      expect(aas(answer)).toEqual({ aasID, ...expected });
    }
    expect(device.passwordOf(USER)).toBe(next);
    expect((await loginByQuery(USER, next)).status).toBe(200);
    expectFail(await loginByQuery(USER, password), 401, /^authorize failed\. 2 attempts remaining\.$/);
    // The conversation is over: its aasID is dead.
    expectFail(await passwdByBody(tok, { username: USER, aasID, aasAnswer: next }), MPOWER_STATUS.deadConversation, /aasID/);
  });

  test('a JSON body works as well as the query form', async () => {
    const tok = await token();
    const open = await passwdByBody(tok, { username: USER });
    const answer = await passwdByBody(tok, { username: USER, aasID: aas(open).aasID, aasAnswer: password });
    expect(aas(answer).aasMsg).toBe('Current password: ');
  });

  test('a weak new password gets the PAM refusal, which ends the conversation (pam_pwquality retry=1); a mismatch ends it too; a wrong current password ends it and counts as a failed login', async () => {
    const tok = await token();
    const aasID = aas(await passwdByBody(tok, { username: USER })).aasID;
    await passwdByBody(tok, { username: USER, aasID, aasAnswer: password });
    await passwdByBody(tok, { username: USER, aasID, aasAnswer: password });
    const weak = await passwdByBody(tok, { username: USER, aasID, aasAnswer: 'short' });
    expect(aas(weak)).toEqual({
      aasDone: true,
      aasID,
      aasMsg: `BAD PASSWORD: The password is shorter than 8 characters\n${MPOWER_TEXTS.retriesExhausted}`,
      aasType: 'error',
    });
    const other = aas(await passwdByBody(tok, { username: USER })).aasID;
    await passwdByBody(tok, { username: USER, aasID: other, aasAnswer: password });
    await passwdByBody(tok, { username: USER, aasID: other, aasAnswer: password });
    const mismatch = [await passwdByBody(tok, { username: USER, aasID: other, aasAnswer: 'Good#Pass1' }), await passwdByBody(tok, { username: USER, aasID: other, aasAnswer: 'Good#Pass2' })];
    // pam_unix's own message, then PAM's generic final status (vendor-notes §5).
    expect(aas(mismatch[1])).toMatchObject({ aasDone: true, aasMsg: `${MPOWER_TEXTS.mismatch}\n${MPOWER_TEXTS.manipulationError}` });

    const again = aas(await passwdByBody(tok, { username: USER })).aasID;
    await passwdByBody(tok, { username: USER, aasID: again, aasAnswer: password });
    const wrong = await passwdByBody(tok, { username: USER, aasID: again, aasAnswer: 'Wrong#Pass1' });
    expect(aas(wrong)).toMatchObject({ aasDone: true, aasMsg: 'Authentication token manipulation error' });
    expect(device.failedLoginsOf(USER)).toBe(1);
    expect(device.passwordOf(USER)).toBe(password);
  });

  test('by default three failed logins within 300 s lock the account for 300 s; the refusals count down; then even the right password is refused as locked', async () => {
    await device.stop();
    let now = Date.now();
    device = await startMPowerSimulator({ users: [{ username: USER, password }], now: () => now });
    expect(device.lockout).toEqual({ attempts: 3, windowSeconds: 300, lockSeconds: 300 });
    const texts = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const answer = await loginByQuery(USER, `Wrong#${attempt}x`);
      expectFail(answer, 401);
      texts.push(answer.json.error);
    }
    expect(texts).toEqual(['authorize failed. 2 attempts remaining.', 'authorize failed. 1 attempts remaining.', 'authorize failed. 0 attempts remaining.']);
    expect(device.isLocked(USER)).toBe(true);
    expect(device.lockoutsOf(USER)).toBe(1);
    expectFail(await loginByQuery(USER, password), MPOWER_STATUS.locked, /locked for 300 seconds/);
    now += 299_000;
    expectFail(await loginByQuery(USER, password), MPOWER_STATUS.locked, /locked for 1 seconds/);
    now += 2_000;
    expect((await loginByQuery(USER, password)).status).toBe(200);
    expect(device.isLocked(USER)).toBe(false);
    expect(device.lockoutsOf(USER)).toBe(1);
  });

  test('loginRefusal "plain" words a refusal without the countdown', async () => {
    await device.stop();
    device = await startMPowerSimulator({ users: [{ username: USER, password }], loginRefusal: 'plain' });
    expectFail(await loginByQuery(USER, 'Wrong#1x'), 401, MPOWER_TEXTS.badLogin);
  });

  test.each([
    ['pam-legacy', ['(current) UNIX password: ', 'Enter new UNIX password: ', 'Retype new UNIX password: ']],
    ['current-again', ['Enter current password again: ', 'New password: ', 'Retype new password: ']],
  ] as const)('prompts "%s" asks in its own words, and the change still works', async (prompts, expected) => {
    await device.stop();
    device = await startMPowerSimulator({ users: [{ username: USER, password }], prompts });
    const tok = await token();
    const aasID = aas(await passwdByBody(tok, { username: USER })).aasID;
    const next = canaryPassword('next');
    const messages = [];
    for (const aasAnswer of [password, password, next, next]) messages.push(aas(await passwdByBody(tok, { username: USER, aasID, aasAnswer })).aasMsg);
    expect(messages).toEqual([...expected, MPOWER_TEXTS.success]);
    expect(device.passwordOf(USER)).toBe(next);
  });

  test('refusalDelayMs holds a refused login back, but the failure counts at once', async () => {
    await device.stop();
    device = await startMPowerSimulator({ users: [{ username: USER, password }], refusalDelayMs: 300 });
    const started = Date.now();
    const pending = loginByQuery(USER, 'Wrong#1x');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(device.failedLoginsOf(USER)).toBe(1);
    expectFail(await pending, 401);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const quick = Date.now();
    expect((await loginByQuery(USER, password)).status).toBe(200);
    expect(Date.now() - quick).toBeLessThan(250);
  });

  test('failures answer the fail envelope with the HTTP status as code', async () => {
    expectFail(await call('POST', '/api/command/passwd', { username: USER }), 401, MPOWER_TEXTS.unauthenticated);
    expectFail(await passwdByBody('0123456789ABCDEF', { username: USER }), 401);
    const tok = await token();
    expectFail(await passwdByBody(tok, { username: USER, aasID: 'A'.repeat(30), aasAnswer: 'x' }), 400, MPOWER_TEXTS.deadConversation);
    expectFail(await call('GET', `/api/command/passwd?token=${q(tok)}&data=${q('{not json')}&method=POST`), 400, MPOWER_TEXTS.badJson);
    expectFail(await call('GET', '/api/nothing-here'), 404);
    const guest = await token('guest', 'Guest#123');
    expectFail(await passwdByBody(guest, { username: USER }), 403, MPOWER_TEXTS.forbidden);
    expect(aas(await passwdByBody(guest, { username: 'guest' })).aasType).toBe('info');
  });

  test('commissioning mode: every login answers 409 (even the right password, counting nothing) until commissioned', async () => {
    await device.stop();
    const mpower = await startMPowerSimulator({ users: [{ username: USER, password }], commissioning: true });
    device = mpower;
    expectFail(await call('POST', '/api/login', { username: USER, password }), 409, /commissioning mode/);
    expect(device.failedLoginsOf(USER)).toBe(0);
    mpower.commission();
    expect((await call('POST', '/api/login', { username: USER, password })).status).toBe(200);
  });

  test('sessionPerAddress: a login while the user has a live session elsewhere is 409; a token used from another address is 409; the same address is fine', async () => {
    await device.stop();
    let address = '192.0.2.1';
    const mpower = await startMPowerSimulator({ users: [{ username: USER, password }], sessionPerAddress: true, clientAddress: () => address });
    device = mpower;
    const tok = await token();
    expect(((await call('POST', '/api/login', { username: USER, password })).json.result as { address: string }).address).toBe('192.0.2.1');
    address = '192.0.2.2';
    expectFail(await call('POST', '/api/login', { username: USER, password }), 409, /conflict/);
    expectFail(await passwdByBody(tok, { username: USER }), 409, /conflict/);
    expect(device.failedLoginsOf(USER)).toBe(0);
    address = '192.0.2.1';
    expect((await passwdByBody(tok, { username: USER })).status).toBe(200);
    // Without the rule (the default), another address's session is no obstacle.
    await device.stop();
    const free = await startMPowerSimulator({ users: [{ username: USER, password }] });
    device = free;
    free.openSessionFrom('192.0.2.9', USER);
    expect((await call('POST', '/api/login', { username: USER, password })).status).toBe(200);
  });

  test('minPasswordAgeSeconds: a second change too soon ends after the current password with pam_unix\'s reason, then the generic status', async () => {
    await device.stop();
    device = await startMPowerSimulator({ users: [{ username: USER, password }], minPasswordAgeSeconds: 60 });
    const next = 'Next#Pass1';
    const change = async (from: string, to: string) => {
      const tok = await token(USER, from);
      const id = aas(await passwdByBody(tok, { username: USER })).aasID as string;
      let last: Answer | undefined;
      for (const answer of [from, from, to, to]) {
        last = await passwdByBody(tok, { username: USER, aasID: id, aasAnswer: answer });
        if (aas(last).aasDone === true) break;
      }
      return aas(last as Answer);
    };
    expect(await change(password, next)).toMatchObject({ aasDone: true, aasMsg: MPOWER_TEXTS.success });
    expect(await change(next, 'Other#Pass2')).toMatchObject({ aasDone: true, aasType: 'error', aasMsg: `${MPOWER_TEXTS.waitLonger}\n${MPOWER_TEXTS.manipulationError}` });
    expect(device.passwordOf(USER)).toBe(next);
  });

  test('finalWording "passwd" adds the passwd program\'s prefix to the final statuses', async () => {
    await device.stop();
    device = await startMPowerSimulator({ users: [{ username: USER, password }], finalWording: 'passwd' });
    const tok = await token();
    const id = aas(await passwdByBody(tok, { username: USER })).aasID as string;
    await passwdByBody(tok, { username: USER, aasID: id, aasAnswer: password });
    const wrong = await passwdByBody(tok, { username: USER, aasID: id, aasAnswer: 'Wrong#Pass1' });
    expect(aas(wrong)).toMatchObject({ aasDone: true, aasType: 'error', aasMsg: 'passwd: Authentication token manipulation error' });
  });

  test('logout kills the token', async () => {
    const tok = await token();
    expect((await call('GET', `/api/logout?token=${q(tok)}`)).json).toEqual({ code: 200, status: 'success' });
    expectFail(await passwdByBody(tok, { username: USER }), 401);
  });

  test('faults: session-expired and conversation-expired act on the request they hit; reject-new-password refuses the new password', async () => {
    const tok = await token();
    const aasID = aas(await passwdByBody(tok, { username: USER })).aasID;
    device.injectFault({ on: 'passwd', fault: { kind: 'reject-new-password' }, times: Infinity });
    await passwdByBody(tok, { username: USER, aasID, aasAnswer: password });
    await passwdByBody(tok, { username: USER, aasID, aasAnswer: password });
    const refused = await passwdByBody(tok, { username: USER, aasID, aasAnswer: canaryPassword() });
    expect(aas(refused).aasMsg).toMatch(/^BAD PASSWORD: .+\nHave exhausted/);
    device.clearFaults();

    device.injectFault({ on: 'passwd', fault: { kind: 'conversation-expired' } });
    expectFail(await passwdByBody(tok, { username: USER, aasID, aasAnswer: canaryPassword() }), 400, MPOWER_TEXTS.deadConversation);
    device.injectFault({ on: 'passwd', fault: { kind: 'session-expired' } });
    expectFail(await passwdByBody(tok, { username: USER }), 401, MPOWER_TEXTS.unauthenticated);
    expectFail(await passwdByBody(tok, { username: USER }), 401);
  });
});

import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeviceCommissioningError,
  DeviceUnreachableError,
  type ErrorSite,
  PasswordRejectedError,
  ProtocolError,
  SessionBoundToAddressError,
  SessionExpiredError,
} from '../../../../lambda/device/errors';
import { loginCostOf } from '../../../../lambda/device/outcome';
import { DeviceHttp } from '../../../../lambda/device/http';
import type { DeviceEndpoint } from '../../../../lambda/device/types';
import { type ConversationStep, classifyPrompt, MPOWER_MAX_ANSWERS, MPowerClient, type PromptKind } from '../../../../lambda/vendors/multitech-mpower/client';
import type { SimulatedDevice } from '../../../../local/simulators/device-server';
import { type MPowerSimulatedDevice, type MPowerSimulatorOptions, startMPowerSimulator } from '../../../../local/simulators/mpower';
import { canaryPassword, errorText, expectNoSecrets } from '../../../helpers/canary';
import { describeClientContract } from './client-contract';

// passwd requests of one change: open (1), acknowledge (2), current (3), new (4), retype (5, changes the password).
describeClientContract({
  vendor: 'multitech-mpower',
  start: startMPowerSimulator,
  client: (endpoint, options) => new MPowerClient(endpoint, options),
  changeRequest: { on: 'passwd', skip: 4 },
  sessionExpiry: { on: 'passwd', skip: 3, fault: { kind: 'conversation-expired' } },
  sessionExpiryScope: 'conversation',
  weakPassword: 'short',
  policyRejection: 'policy',
  logoutOperation: 'logout',
});

const USER = 'admin';

describe('mPower specifics', () => {
  let device: SimulatedDevice;
  let current: string;
  let next: string;
  let client: MPowerClient;

  async function start(options: Partial<MPowerSimulatorOptions> = {}) {
    device = await startMPowerSimulator({ users: [{ username: USER, password: current }], ...options });
    client = new MPowerClient(endpointOf(device));
  }

  const answer = (step: ConversationStep, session: { token: string }) =>
    client.answerPrompt(session, { username: USER, aasId: step.aasId, prompt: step.prompt, currentPassword: current, newPassword: next });

  beforeEach(() => {
    current = canaryPassword('cur');
    next = canaryPassword('nxt');
  });

  afterEach(async () => {
    await device.stop();
    jest.restoreAllMocks();
  });

  test('the step-by-step API, one call at a time, meets the prompts in order and changes the password', async () => {
    await start();
    const session = await client.login({ username: USER, password: current });
    const kinds: PromptKind[] = [];
    let step = await client.openConversation(session, USER);
    kinds.push(step.prompt.kind);
    expect(step.aasId).toMatch(/^[A-Z0-9]{30}$/);
    const aasId = step.aasId;
    while (step.prompt.kind !== 'done') {
      step = await answer(step, session);
      expect(step.aasId).toBe(aasId);
      kinds.push(step.prompt.kind);
    }
    await client.logout(session);
    expect(kinds).toEqual(['acknowledge', 'current-password', 'new-password', 'retype-password', 'done']);
    expect(device.passwordOf(USER)).toBe(next);
  });

  test('credentials travel in the JSON body of the login, never in a URL', async () => {
    await start();
    const spy = jest.spyOn(DeviceHttp.prototype, 'request');
    await client.changePassword({ username: USER, currentPassword: current, newPassword: next });
    const requests = spy.mock.calls.map(([, request]) => request);
    expect(requests[0]).toMatchObject({ method: 'POST', path: '/api/login' });
    expect(JSON.parse(requests[0].body ?? '')).toEqual({ username: USER, password: current });
    for (const request of requests) expectNoSecrets(request.path, [current, next]);
    expect(requests.map((r) => r.path.split('?')[0])).toEqual([
      '/api/login',
      ...Array<string>(5).fill('/api/command/passwd'),
      '/api/logout',
    ]);
  });

  test('an idle gap longer than the conversation timeout kills the aasID; a fresh conversation then succeeds', async () => {
    await start({ conversationIdleMs: 50 });
    const session = await client.login({ username: USER, password: current });
    let step = await client.openConversation(session, USER);
    step = await answer(step, session);
    step = await answer(step, session);
    expect(step.prompt.kind).toBe('new-password');
    await sleep(120);
    const error = await answer(step, session).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionExpiredError);
    expect((error as SessionExpiredError).scope).toBe('conversation');
    expect((error as SessionExpiredError).step).toBe('answer-new-password');
    expectNoSecrets(errorText(error), [current, next, session.token, step.aasId]);
    expect(device.passwordOf(USER)).toBe(current);

    // The token is still alive (its own timeout is minutes): a new conversation on it goes through.
    step = await client.openConversation(session, USER);
    while (step.prompt.kind !== 'done') step = await answer(step, session);
    expect(device.passwordOf(USER)).toBe(next);
  });

  test('the device-side gap can come from latency too: changePassword reports the dead conversation', async () => {
    await start({ conversationIdleMs: 50 });
    device.injectFault({ on: 'passwd', skip: 3, fault: { kind: 'latency', ms: 120 } });
    const error = await client.changePassword({ username: USER, currentPassword: current, newPassword: next }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionExpiredError);
    expect((error as SessionExpiredError).scope).toBe('conversation');
    expect(device.passwordOf(USER)).toBe(current);
    await client.changePassword({ username: USER, currentPassword: current, newPassword: next });
    expect(device.passwordOf(USER)).toBe(next);
  });

  test('an expired session token during the conversation is reported with scope "session"', async () => {
    await start();
    device.injectFault({ on: 'passwd', skip: 2, fault: { kind: 'session-expired' } });
    const error = await client.changePassword({ username: USER, currentPassword: current, newPassword: next }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionExpiredError);
    expect((error as SessionExpiredError).scope).toBe('session');
    expect((error as SessionExpiredError).step).toBe('answer-current-password');
    expectNoSecrets(errorText(error), [current, next, ...device.issuedTokens()]);
    expect(device.passwordOf(USER)).toBe(current);
  });

  test('a token that idles past the device timeout is reported with scope "session"', async () => {
    await start({ sessionIdleMs: 20 });
    const session = await client.login({ username: USER, password: current });
    await sleep(60);
    const error = await client.openConversation(session, USER).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionExpiredError);
    expect((error as SessionExpiredError).scope).toBe('session');
    expect((error as SessionExpiredError).step).toBe('open-conversation');
  });

  test('a policy refusal is never answered again, though PAM asks for another new password', async () => {
    await start();
    const spy = jest.spyOn(DeviceHttp.prototype, 'request');
    const error = await client.changePassword({ username: USER, currentPassword: current, newPassword: 'Ab1!x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PasswordRejectedError);
    expect((error as PasswordRejectedError).reason).toBe('policy');
    expect((error as PasswordRejectedError).step).toBe('answer-new-password');
    expect((error as Error).message).toContain('BAD PASSWORD: The password is shorter than 8 characters');
    const passwdCalls = spy.mock.calls.filter(([, request]) => request.path.startsWith('/api/command/passwd'));
    expect(passwdCalls).toHaveLength(4); // open, acknowledge, current, new; the re-prompt is not answered
  });

  test('a simulator conversation can be continued in the ?data= query form the seed uses', async () => {
    await start();
    const session = await client.login({ username: USER, password: current });
    const step = await client.openConversation(session, USER);
    const ask = (aasAnswer: string) =>
      rawGet(device, `/api/command/passwd?token=${session.token}&data=${encodeURIComponent(JSON.stringify({ username: USER, aasID: step.aasId, aasAnswer }))}&method=POST`);
    const messages = [];
    for (const aasAnswer of [current, current, next, next]) messages.push(((await ask(aasAnswer)).result as { aasMsg: string }).aasMsg);
    expect(messages).toEqual(['Current password: ', 'New password: ', 'Retype new password: ', 'Change password success!']);
    expect(device.passwordOf(USER)).toBe(next);
  });

  test('a conversation that never ends is cut off after a bounded number of answers', async () => {
    await start();
    jest
      .spyOn(MPowerClient.prototype, 'answerPrompt')
      .mockImplementation(async (_session, answered) => ({ aasId: answered.aasId, prompt: { kind: 'acknowledge', text: 'Still thinking.' } }));
    const error = await client.changePassword({ username: USER, currentPassword: current, newPassword: next }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as Error).message).toContain(`within ${MPOWER_MAX_ANSWERS} answers`);
    expect(MPowerClient.prototype.answerPrompt).toHaveBeenCalledTimes(MPOWER_MAX_ANSWERS);
  });

  test('a device that asks for the current password again is not answered again', async () => {
    await start();
    const session = await client.login({ username: USER, password: current });
    const step = await client.openConversation(session, USER);
    const acknowledged = await answer(step, session);
    expect(acknowledged.prompt.kind).toBe('current-password');
    jest.spyOn(DeviceHttp.prototype, 'request').mockImplementationOnce(async () => ({
      status: 200,
      headers: {},
      body: JSON.stringify({
        code: 200,
        status: 'success',
        result: { aasDone: false, aasID: step.aasId, aasMsg: 'Current password: ', aasType: 'question; input hide' },
      }),
    }));
    const error = await answer(acknowledged, session).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).step).toBe('answer-current-password');
    expectNoSecrets(errorText(error), [current, next, session.token, step.aasId]);
  });

  test('a device that asks "Enter current password again:" is answered with the CURRENT password, and the change goes through', async () => {
    await start({ prompts: 'current-again' });
    const session = await client.login({ username: USER, password: current });
    const opened = await client.openConversation(session, USER);
    const asked = await answer(opened, session);
    expect(asked.prompt).toEqual({ kind: 'current-password', text: 'Enter current password again: ' });
    const spy = jest.spyOn(DeviceHttp.prototype, 'request');
    await answer(asked, session);
    expect(JSON.parse(spy.mock.calls[0][1].body ?? '{}').aasAnswer).toBe(current);
    spy.mockRestore();
    await client.logout(session);
    await client.changePassword({ username: USER, currentPassword: current, newPassword: next });
    expect(device.passwordOf(USER)).toBe(next);
    expect(device.failedLoginsOf(USER)).toBe(0);
  });

  test('the older PAM prompts ("(current) UNIX password: " …) are followed too', async () => {
    await start({ prompts: 'pam-legacy' });
    await client.changePassword({ username: USER, currentPassword: current, newPassword: next });
    expect(device.passwordOf(USER)).toBe(next);
  });

  test.each([
    ['a 401 "authorize failed. 2 attempts remaining." is a refusal', 401, { code: 401, status: 'fail', error: 'authorize failed. 2 attempts remaining.' }, 'rejected'],
    ['a 401 with an HTML body is a refusal', 401, '<html><body>401 Unauthorized</body></html>', 'rejected'],
    ['a 401 naming a lock is a lock', 401, { code: 401, status: 'fail', error: 'authorize failed. Too many failed login attempts: the account is locked for 300 seconds.' }, 'locked'],
    ['a 409 (conflict, commissioning mode) is unknown', 409, { code: 409, status: 'fail', error: 'conflict' }, 'unknown'],
    ['a 200 that is not JSON is unknown', 200, 'OK', 'unknown'],
  ])('%s', async (_label, status, body, expected) => {
    await start();
    device.injectFault({ on: 'login', fault: { kind: 'respond', status, body } });
    const outcome = await client.verifyLogin({ username: USER, password: current });
    expect(outcome.status).toBe(expected);
    expect(outcome.status !== 'accepted' && outcome.error.duringLogin).toBe(true);
  });

  test('the ambiguous final status is quoted in the error, in the device\'s scrubbed words, not called a wrong current password', async () => {
    await start();
    const session = await client.login({ username: USER, password: current });
    let step = await client.openConversation(session, USER);
    step = await answer(step, session);
    // Someone changed the password between the login and the answer: PAM answers its generic status.
    device.overwriteAccount(USER, { password: canaryPassword('hand') });
    const error = await answer(step, session).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PasswordRejectedError);
    expect((error as PasswordRejectedError).reason).toBe('ambiguous');
    expect((error as Error).message).toContain('"Authentication token manipulation error"');
    expect((error as Error).message).toContain('does not say which');
    expect((error as Error).message).not.toMatch(/current password given is wrong/);
    expectNoSecrets(errorText(error), [current, next, session.token, step.aasId]);
  });

  test('a change sooner than the minimum password age is refused with the device\'s own reason, quoted', async () => {
    await start({ minPasswordAgeSeconds: 3600 });
    await client.changePassword({ username: USER, currentPassword: current, newPassword: next });
    const again = canaryPassword('again');
    const error = await client.changePassword({ username: USER, currentPassword: next, newPassword: again }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PasswordRejectedError);
    expect((error as PasswordRejectedError).reason).toBe('device-reason');
    expect((error as Error).message).toContain('You must wait longer to change your password');
    expect(device.passwordOf(USER)).toBe(next);
    expectNoSecrets(errorText(error), [current, next, again]);
  });

  test('the login sets the token as a cookie too (Secure, HttpOnly, SameSite=Strict), and the cookie alone works', async () => {
    await start();
    const session = await client.login({ username: USER, password: current });
    const answer = await rawRequest(device, '/api/command/passwd', { cookie: `token=${session.token}`, body: JSON.stringify({ username: USER }) });
    expect(answer.status).toBe(200);
    const login = await rawRequest(device, '/api/login', { body: JSON.stringify({ username: USER, password: current }) });
    expect(login.headers['set-cookie']?.[0]).toMatch(/^token=[0-9A-F]+; Path=\/; Secure; HttpOnly; SameSite=Strict$/);
  });

  test('commissioning mode: a 409 at login is DeviceCommissioningError (unknown cost, not retried), until commissioned', async () => {
    device = await startMPowerSimulator({ users: [{ username: USER, password: current }], commissioning: true });
    client = new MPowerClient(endpointOf(device));
    const outcome = await client.verifyLogin({ username: USER, password: current });
    expect(outcome.status).toBe('unknown');
    expect(outcome.status === 'unknown' && outcome.error).toBeInstanceOf(DeviceCommissioningError);
    expect(outcome.status === 'unknown' && outcome.error.httpStatus).toBe(409);
    (device as MPowerSimulatedDevice).commission();
    expect((await client.verifyLogin({ username: USER, password: current })).status).toBe('accepted');
  });

  test('one session per address: another live session elsewhere makes the login a SessionBoundToAddressError naming the cause', async () => {
    const mpower = await startMPowerSimulator({ users: [{ username: USER, password: current }], sessionPerAddress: true });
    device = mpower;
    client = new MPowerClient(endpointOf(device));
    mpower.openSessionFrom('192.0.2.50', USER);
    const error = await client.changePassword({ username: USER, currentPassword: current, newPassword: next }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionBoundToAddressError);
    expect((error as Error).message).toMatch(/bound to another client address.*one egress address/);
    expect(loginCostOf(error)).toBe('unknown');
    expect(device.passwordOf(USER)).toBe(current);
  });

  test('one session per address: a conversation step from another address than its login is refused 409, typed', async () => {
    let address = '192.0.2.10';
    device = await startMPowerSimulator({ users: [{ username: USER, password: current }], sessionPerAddress: true, clientAddress: () => address });
    client = new MPowerClient(endpointOf(device));
    const session = await client.login({ username: USER, password: current });
    const step = await client.openConversation(session, USER);
    address = '192.0.2.11'; // the next Lambda invocation leaves from another address
    const error = await answer(step, session).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionBoundToAddressError);
    expect((error as SessionBoundToAddressError).duringLogin).toBe(false);
  });

  test('conversation.stepTimeoutMs gives the conversation requests their own deadline', async () => {
    await start();
    client = new MPowerClient(endpointOf(device), {}, 300);
    device.injectFault({ on: 'passwd', skip: 1, fault: { kind: 'latency', ms: 600 } });
    const error = await client.changePassword({ username: USER, currentPassword: current, newPassword: next }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceUnreachableError);
    expect((error as Error).message).toMatch(/300 ms deadline/);
    expect((error as DeviceUnreachableError).step).toBe('answer-acknowledge');
  });

  test('a change that fails after the login still logs out (try/finally)', async () => {
    await start();
    device.injectFault({ on: 'passwd', skip: 3, fault: { kind: 'server-error' } });
    const error = await client.changePassword({ username: USER, currentPassword: current, newPassword: next }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(device.requests.at(-1)?.operation).toBe('logout');
  });

  test('a conversation opened for another user by a non-admin is refused', async () => {
    device = await startMPowerSimulator({
      users: [
        { username: USER, password: current },
        { username: 'guest', password: next, role: 'guest' },
      ],
    });
    client = new MPowerClient(endpointOf(device));
    const session = await client.login({ username: 'guest', password: next });
    const error = await client.openConversation(session, USER).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PasswordRejectedError);
    expect((error as PasswordRejectedError).httpStatus).toBe(403);
  });
});

describe('classifyPrompt', () => {
  const site: ErrorSite = { vendor: 'multitech-mpower', host: '192.0.2.1', port: 443, step: 'answer-test', secrets: ['AASID0123456789'] };
  const question = (aasMsg: string, aasDone = false, aasType = 'question; input hide') => ({ aasDone, aasID: 'AASID0123456789', aasMsg, aasType });
  const kind = (result: unknown) => classifyPrompt(result, site).kind;
  const thrown = (result: unknown): unknown => {
    try {
      classifyPrompt(result, site);
    } catch (error) {
      return error;
    }
    throw new Error('classifyPrompt did not throw');
  };

  test.each([
    ['Current password: ', 'current-password'],
    ['(current) UNIX password: ', 'current-password'],
    ['Old Password:', 'current-password'],
    ['New password: ', 'new-password'],
    ['Enter new UNIX password: ', 'new-password'],
    ['Retype new password: ', 'retype-password'],
    ['Re-enter new password:', 'retype-password'],
    ['Enter the new password again:', 'retype-password'],
    ['RETYPE NEW UNIX PASSWORD:', 'retype-password'],
    ['Confirm new password:', 'retype-password'],
    // By meaning: naming the current (or old) password wins over "again" / "confirm".
    ['Enter current password again:', 'current-password'],
    ['Retype current password:', 'current-password'],
    ['Confirm your old password:', 'current-password'],
    ['(current) UNIX password again: ', 'current-password'],
  ])('%j is a %s prompt', (text, expected) => {
    expect(kind(question(text))).toBe(expected);
  });

  test('an info message not done is acknowledged, whatever its words; a success when done is done', () => {
    expect(kind(question('Changing password for admin.', false, 'info'))).toBe('acknowledge');
    expect(kind(question('Changing password for old.', false, 'info'))).toBe('acknowledge');
    expect(kind(question('Change password success!', true, 'info'))).toBe('done');
    expect(kind(question('passwd: password updated successfully', true, 'info'))).toBe('done');
  });

  test('BAD PASSWORD is a policy refusal, even with a re-prompt after it', () => {
    const error = thrown(question('BAD PASSWORD: The password is shorter than 8 characters\nNew password: '));
    expect(error).toBeInstanceOf(PasswordRejectedError);
    expect((error as PasswordRejectedError).reason).toBe('policy');
    expect((error as Error).message).toContain('shorter than 8 characters');
  });

  test.each([
    // PAM's generic final status follows a wrong current password, a refused new one or a mismatch alike: no guess.
    ['passwd: Authentication token manipulation error', 'ambiguous'],
    ['Authentication token manipulation error', 'ambiguous'],
    ['passwd: Authentication failure', 'current-password'],
    // The device's own reason wins over the generic status printed after it.
    ['You must wait longer to change your password\nAuthentication token manipulation error', 'device-reason'],
    ['Password has been already used. Choose another.\nAuthentication token manipulation error', 'policy'],
    ['Sorry, passwords do not match.', 'mismatch'],
    // What Linux pam_unix really prints on a mismatch: the mismatch wins over the generic error after it.
    ['Sorry, passwords do not match.\npasswd: Authentication token manipulation error\npasswd: password unchanged', 'mismatch'],
    ['passwd: password unchanged', 'unknown'],
    ['Change password unsuccessful', 'unknown'],
  ])('%j ends the conversation as a %s refusal', (text, reason) => {
    const error = thrown(question(text, true, 'error'));
    expect(error).toBeInstanceOf(PasswordRejectedError);
    expect((error as PasswordRejectedError).reason).toBe(reason);
  });

  test.each([
    ['an unknown question', question('Enter your PIN: ')],
    ['an unrecognised question', question('Press any key', false, 'question')],
    ['no aasMsg', { aasDone: false, aasID: 'AASID0123456789', aasType: 'info' }],
    ['no aasDone', { aasID: 'AASID0123456789', aasMsg: 'New password: ' }],
    ['no result at all', undefined],
  ])('%s fails closed with a ProtocolError', (_label, result) => {
    const error = thrown(result);
    expect(error).toBeInstanceOf(ProtocolError);
    expect(errorText(error)).not.toContain('AASID0123456789');
  });
});

function endpointOf(device: SimulatedDevice): DeviceEndpoint {
  return { vendor: 'multitech-mpower', host: device.host, port: device.port, tls: { caCertificate: device.certificatePem }, requestTimeoutMs: 2_000 };
}

function rawGet(device: SimulatedDevice, path: string): Promise<{ result?: unknown; status?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: device.host, port: device.port, path, method: 'GET', ca: device.certificatePem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { result?: unknown }));
    });
    req.on('error', reject);
    req.end();
  });
}

function rawRequest(
  device: SimulatedDevice,
  path: string,
  options: { cookie?: string; body: string },
): Promise<{ status: number; headers: import('node:http').IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(options.body)) };
    if (options.cookie !== undefined) headers.cookie = options.cookie;
    const req = httpsRequest({ host: device.host, port: device.port, path, method: 'POST', ca: device.certificatePem, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

import type { AccountStore } from './accounts';
import { field, type SimRequest, type SimResponse, type SimulatedDevice, type SimulatorOptions, startDeviceServer } from './device-server';
import type { PasswordPolicy } from './password-policy';
import { randomAlphanumeric, randomHex, SessionStore } from './sessions';

/**
 * MultiTech mPower (MTR / Conduit gateways): `/api/login`, `?token=` on later requests, and the password change as a
 * PAM conversation through `/api/command/passwd` (`aasID`, `aasAnswer`), as in `seeds/000_multitech_mpower_passwd.md`.
 * Operations (for fault rules): `login`, `logout`, `passwd` (every request of the conversation, the opening one included).
 *
 * A conversation, request by request (the seed's walk-through):
 *   1. `{username}`                    → info     "Changing password for admin."
 *   2. `{username,aasID,aasAnswer}`    → question "Current password: "   (the answer to an info message is not examined)
 *   3. `… aasAnswer: current`          → question "New password: "
 *   4. `… aasAnswer: new`              → question "Retype new password: "
 *   5. `… aasAnswer: new`              → done     "Change password success!"   ← the request that changes the password
 */
export interface MPowerSimulatorOptions extends SimulatorOptions {
  /** Idle gap after which a password conversation (`aasID`) dies. Default: 60 000 ms. */
  readonly conversationIdleMs?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// UNCONFIRMED by any public source, and all kept here: the password policy, the token idle timeout, every failure
// wording and the HTTP status of each failure (locked account: 403; dead aasID: 400; other user's conversation: 403),
// the `aasType` of failure messages ("error"), the retry count for a refused new password (3, as pam_pwquality), and
// the conversation idle timeout. The PAM texts are those of Linux pam_unix / pam_pwquality, which mPower runs.
// ---------------------------------------------------------------------------------------------------------------

export const MPOWER_DEFAULT_POLICY: PasswordPolicy = {
  minLength: 8,
  maxLength: 64,
  requireUpper: true,
  requireLower: true,
  requireDigit: true,
  requireSpecial: true,
  forbidWhitespace: true,
  forbidReuse: false,
};

/** Token idle timeout (the device setting `remoteAccess/timeoutSeconds`). */
export const MPOWER_DEFAULT_SESSION_IDLE_MS = 5 * 60_000;
export const MPOWER_DEFAULT_CONVERSATION_IDLE_MS = 60_000;
/** New passwords PAM accepts to be refused before it ends the conversation. */
const MAX_NEW_PASSWORD_TRIES = 3;

export const MPOWER_STATUS = {
  badCredentials: 401,
  locked: 403,
  unauthenticated: 401,
  deadConversation: 400,
  forbidden: 403,
  badRequest: 400,
  methodNotAllowed: 405,
  notFound: 404,
} as const;

export const MPOWER_TEXTS = {
  badLogin: 'Invalid username or password',
  locked: 'User account is locked due to too many failed login attempts',
  unauthenticated: 'Invalid or expired token',
  deadConversation: 'Invalid or expired aasID',
  forbidden: 'Permission denied: cannot change the password of another user',
  badJson: 'Invalid JSON in request data',
  missingUsername: 'Missing username',
  missingAnswer: 'Missing aasAnswer',
  wrongUser: 'username does not match the aasID',
  methodNotAllowed: 'Method not allowed',
  notFound: 'Not found',
  loggedOut: 'Logged out',
  // PAM conversation texts (the first four are confirmed by the seed).
  changing: (username: string) => `Changing password for ${username}.`,
  currentPrompt: 'Current password: ',
  newPrompt: 'New password: ',
  retypePrompt: 'Retype new password: ',
  success: 'Change password success!',
  wrongCurrent: 'passwd: Authentication token manipulation error',
  badPassword: (reason: string) => `BAD PASSWORD: ${reason}`,
  injectedPolicyReason: 'it is too simplistic/systematic',
  retriesExhausted: 'passwd: Have exhausted maximum number of retries for service',
  mismatch: 'Sorry, passwords do not match.',
  unknownUser: (username: string) => `passwd: Unknown user name '${username}'.`,
} as const;

const INFO = 'info';
const QUESTION = 'question; input hide';
const ERROR = 'error';

export async function startMPowerSimulator(options: MPowerSimulatorOptions): Promise<SimulatedDevice> {
  return startDeviceServer({
    vendor: 'multitech-mpower',
    options,
    defaultPolicy: MPOWER_DEFAULT_POLICY,
    build: (accounts) =>
      mpower(accounts, options.sessionIdleMs ?? MPOWER_DEFAULT_SESSION_IDLE_MS, options.conversationIdleMs ?? MPOWER_DEFAULT_CONVERSATION_IDLE_MS),
  });
}

type Stage = 'info' | 'current' | 'new' | 'retype';

interface Conversation {
  readonly username: string;
  stage: Stage;
  newPassword?: string;
  refusedNewPasswords: number;
}

function mpower(accounts: AccountStore, sessionIdleMs: number, conversationIdleMs: number) {
  const sessions = new SessionStore<string>(sessionIdleMs, () => randomHex(16).toUpperCase());
  const conversations = new SessionStore<Conversation>(conversationIdleMs, () => randomAlphanumeric(30));

  const fail = (status: number, error: string): SimResponse => ({ status, body: { code: status, status: 'fail', error } });
  const success = (result?: unknown): SimResponse => ({
    status: 200,
    body: result === undefined ? { code: 200, status: 'success' } : { code: 200, status: 'success', result },
  });
  const aas = (aasID: string, aasDone: boolean, aasMsg: string, aasType: string): SimResponse => success({ aasDone, aasID, aasMsg, aasType });

  /** The user behind `?token=`, or the 401 envelope. */
  const authenticate = (request: SimRequest): { user: string } | SimResponse => {
    const token = request.query.get('token') ?? undefined;
    if (token !== undefined && request.has('session-expired')) sessions.destroy(token);
    const user = sessions.use(token);
    return user === undefined ? fail(MPOWER_STATUS.unauthenticated, MPOWER_TEXTS.unauthenticated) : { user };
  };

  const mayActFor = (user: string, username: string) => user === username || accounts.roleOf(user) === 'admin';

  const login = (request: SimRequest): SimResponse => {
    const username = request.query.get('username') ?? field(request.body, 'username') ?? '';
    const password = request.query.get('password') ?? field(request.body, 'password') ?? '';
    const result = accounts.authenticate(username, password);
    if (result === 'locked') return fail(MPOWER_STATUS.locked, MPOWER_TEXTS.locked);
    if (result === 'bad-credentials') return fail(MPOWER_STATUS.badCredentials, MPOWER_TEXTS.badLogin);
    const token = sessions.create(username);
    return success({
      address: '127.0.0.1',
      isipcuser: false,
      isremoteuser: false,
      permission: accounts.roleOf(username),
      port: String(40_000 + Math.floor(Math.random() * 20_000)),
      timestamp: clock(new Date()),
      token,
      user: username,
    });
  };

  /** The command's JSON: `?data=<json>` (with `method=POST` on a GET), a JSON body, or a form body with `data`. */
  const commandData = (request: SimRequest): { data: Record<string, unknown> } | { refusal: SimResponse } => {
    const refuse = (status: number, error: string) => ({ refusal: fail(status, error) });
    if (request.method === 'GET' && (request.query.get('method') ?? '').toUpperCase() !== 'POST') {
      return refuse(MPOWER_STATUS.methodNotAllowed, MPOWER_TEXTS.methodNotAllowed);
    }
    let data: unknown = request.query.get('data') ?? undefined;
    if (data === undefined) data = field(request.body, 'data') ?? (request.rawBody.length > 0 ? request.body : undefined);
    if (typeof data === 'string') {
      try {
        data = JSON.parse(data);
      } catch {
        return refuse(MPOWER_STATUS.badRequest, MPOWER_TEXTS.badJson);
      }
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return refuse(MPOWER_STATUS.badRequest, MPOWER_TEXTS.badJson);
    return { data: data as Record<string, unknown> };
  };

  const passwd = (request: SimRequest): SimResponse => {
    const auth = authenticate(request);
    if (!('user' in auth)) return auth;
    const command = commandData(request);
    if ('refusal' in command) return command.refusal;
    const { data } = command;
    const username = field(data, 'username');
    if (username === undefined) return fail(MPOWER_STATUS.badRequest, MPOWER_TEXTS.missingUsername);
    if (!mayActFor(auth.user, username)) return fail(MPOWER_STATUS.forbidden, MPOWER_TEXTS.forbidden);
    const aasID = field(data, 'aasID');

    if (aasID === undefined) {
      if (!accounts.exists(username)) {
        const dead = conversations.create({ username, stage: 'info', refusedNewPasswords: 0 });
        conversations.destroy(dead);
        return aas(dead, true, MPOWER_TEXTS.unknownUser(username), ERROR);
      }
      const id = conversations.create({ username, stage: 'info', refusedNewPasswords: 0 });
      return aas(id, false, MPOWER_TEXTS.changing(username), INFO);
    }

    if (request.has('conversation-expired')) conversations.destroy(aasID);
    const conversation = conversations.use(aasID);
    if (conversation === undefined) return fail(MPOWER_STATUS.deadConversation, MPOWER_TEXTS.deadConversation);
    if (conversation.username !== username) return fail(MPOWER_STATUS.badRequest, MPOWER_TEXTS.wrongUser);
    const answer = field(data, 'aasAnswer');
    if (answer === undefined) return fail(MPOWER_STATUS.badRequest, MPOWER_TEXTS.missingAnswer);

    const end = (message: string, type: string): SimResponse => {
      conversations.destroy(aasID);
      return aas(aasID, true, message, type);
    };

    switch (conversation.stage) {
      case 'info':
        // An info message asks nothing: whatever is answered moves PAM on to its first question.
        conversation.stage = 'current';
        return aas(aasID, false, MPOWER_TEXTS.currentPrompt, QUESTION);
      case 'current':
        // PAM checks the current password as a login would, and a wrong one counts as a failed login.
        if (accounts.authenticate(username, answer) !== 'ok') return end(MPOWER_TEXTS.wrongCurrent, ERROR);
        conversation.stage = 'new';
        return aas(aasID, false, MPOWER_TEXTS.newPrompt, QUESTION);
      case 'new': {
        const reason = request.has('reject-new-password')
          ? MPOWER_TEXTS.injectedPolicyReason
          : accounts.checkNewPassword(username, answer)?.reason;
        if (reason !== undefined) {
          conversation.refusedNewPasswords += 1;
          if (conversation.refusedNewPasswords >= MAX_NEW_PASSWORD_TRIES) {
            return end(`${MPOWER_TEXTS.badPassword(reason)}\n${MPOWER_TEXTS.retriesExhausted}`, ERROR);
          }
          // Like real PAM: the refusal, then the same question again.
          return aas(aasID, false, `${MPOWER_TEXTS.badPassword(reason)}\n${MPOWER_TEXTS.newPrompt}`, QUESTION);
        }
        conversation.newPassword = answer;
        conversation.stage = 'retype';
        return aas(aasID, false, MPOWER_TEXTS.retypePrompt, QUESTION);
      }
      case 'retype':
        if (answer !== conversation.newPassword) return end(MPOWER_TEXTS.mismatch, ERROR);
        accounts.setPassword(username, answer);
        return end(MPOWER_TEXTS.success, INFO);
    }
  };

  const logout = (request: SimRequest): SimResponse => {
    const token = request.query.get('token') ?? undefined;
    if (sessions.use(token) === undefined) return fail(MPOWER_STATUS.unauthenticated, MPOWER_TEXTS.unauthenticated);
    sessions.destroy(token);
    return success();
  };

  return {
    expireSessions: () => {
      sessions.expireAll();
      conversations.expireAll();
    },
    issuedTokens: () => [...sessions.issued, ...conversations.issued],
    notFound: () => fail(MPOWER_STATUS.notFound, MPOWER_TEXTS.notFound),
    routes: [
      { method: 'GET' as const, path: '/api/login', operation: 'login', handle: login },
      { method: 'POST' as const, path: '/api/login', operation: 'login', handle: login },
      { method: 'ANY' as const, path: '/api/logout', operation: 'logout', handle: logout },
      { method: 'ANY' as const, path: '/api/command/passwd', operation: 'passwd', handle: passwd },
    ],
  };
}

/** `12:21:19:196`, as in the seed. */
function clock(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}:${pad(date.getMilliseconds(), 3)}`;
}

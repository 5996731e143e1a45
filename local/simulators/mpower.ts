import type { SimulatorModule } from './simulator-module';
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
  /**
   * How a refused login is worded (always HTTP 401 in the fail envelope):
   * - `attempts-remaining` (default, vendor-notes §5 [weak]): `"authorize failed. 2 attempts remaining."`;
   * - `plain`: `"Invalid username or password"`.
   */
  readonly loginRefusal?: MPowerLoginRefusal;
  /**
   * The PAM prompts of the conversation:
   * - `pam-1.3` (default): "Current password: ", "New password: ", "Retype new password: " (Linux-PAM 1.3.0 and later);
   * - `pam-legacy`: "(current) UNIX password: ", "Enter new UNIX password: ", "Retype new UNIX password: ";
   * - `current-again`: "Enter current password again: " for the current password (a re-authentication after the
   *   login), then as `pam-1.3`.
   */
  readonly prompts?: MPowerPrompts;
  /** New passwords refused (pam_pwquality `retry`) before PAM ends the conversation. Default: 1 (vendor-notes §5). */
  readonly newPasswordTries?: number;
  /**
   * How PAM's final statuses are worded: `pam` (default): as Linux-PAM words them ("Authentication token manipulation
   * error"); `passwd`: with the `passwd` program's "passwd: " prefix (vendor-notes §5: mPower's API does not seem to
   * run `passwd`, older builds may).
   */
  readonly finalWording?: MPowerFinalWording;
  /**
   * Older firmware's rule (vendor-notes §5): one session per user, bound to the client address. A login while the
   * user has a live session from another address answers 409 conflict; a token presented from another address than
   * its login's answers 409 too. Default: false (whether mPower 5/6 keeps the rule is unknown).
   */
  readonly sessionPerAddress?: boolean;
  /** The address a request comes from (all simulated clients are 127.0.0.1). Default: `127.0.0.1` for every request. */
  readonly clientAddress?: (request: SimRequest) => string;
  /** A new or factory-reset device (mLinux 5.2+, vendor-notes §5): every login answers 409 until `commission()`. */
  readonly commissioning?: boolean;
  /**
   * pam_unix's minimum password age (`minage`), in seconds: a change sooner than this after the last one is refused
   * after the current password, with "You must wait longer to change your password" (vendor-notes §5). Default: 0.
   */
  readonly minPasswordAgeSeconds?: number;
}

export type MPowerLoginRefusal = 'attempts-remaining' | 'plain';
export type MPowerPrompts = 'pam-1.3' | 'pam-legacy' | 'current-again';
export type MPowerFinalWording = 'pam' | 'passwd';

/** The simulated mPower, with what only it has. */
export interface MPowerSimulatedDevice extends SimulatedDevice {
  /** Someone else logs in as `username` from `address` (the web UI, another tool): a live session bound there. */
  openSessionFrom(address: string, username: string): void;
  /** Ends commissioning mode (the device's first user was set up). */
  commission(): void;
}

/** mPower's bruteForcePrevention default (vendor-notes §5): 3 failed logins within 300 s lock the account for 300 s. */
export const MPOWER_DEFAULT_LOCKOUT = { attempts: 3, windowSeconds: 300, lockSeconds: 300 } as const;

// ---------------------------------------------------------------------------------------------------------------
// Sources: S = seeds/000_multitech_mpower_passwd.md (https://www.multitech.net/developer/software/mtr-software/
// mtr-api-reference/command-table/passwd/); §1 / §5 = /work/shared/vendor-notes.md sections.
// CONFIRMED: the login answer and `?token=` (S, §1); the token also as a cookie `token` (Secure; HttpOnly;
//   SameSite=Strict) (§5); the conversation's info / question texts and `aasDone` (S); a conversation timeout (S);
//   `aasType:"error"` with the reason in `aasMsg` (§5: seen in a commissioning client); the PAM prompts, 1.3.0+ by
//   default and the older "UNIX" ones as the `pam-legacy` variant (§5, Linux-PAM); pam_pwquality's "BAD PASSWORD:
//   <reason>" and its `retry` default of 1 (§5); "Authentication token manipulation error" as PAM's generic final
//   status, after a wrong current password, a refused new password or a mismatch alike (§5); pam_unix's "You must
//   wait longer to change your password" (§5, `minPasswordAgeSeconds`).
// WEAK (vendor material, unverified): 3 failures within 300 s lock for 300 s (§5 bruteForcePrevention; another page
//   says 5 / 30 min); the refused login 401 `{"error":"authorize failed. X attempts remaining."}` (§5); the 409 at
//   login for another session from another address (older firmware, §5: `sessionPerAddress`, off by default since
//   mPower 5/6 may not keep it) and for commissioning mode (§5: `commissioning`).
// UNCONFIRMED (no public source; the most plausible shape, kept here):
// - the password policy (§5: current firmware requires 8 to 64 characters and no class; the stricter default here
//   keeps a rotator honest about generating all classes), the token idle timeout, the conversation idle timeout;
// - the LOCKED answer: 401 in the refusal's envelope, `"authorize failed. Too many failed login attempts: the account
//   is locked for N seconds."`;
// - the 409 texts (`conflict: …`, `device in commissioning mode`), and that a token used from another address than
//   its login's answers 409 as well;
// - every other failure wording and status (dead aasID: 400; other user's conversation: 403), the "passwd: " prefix
//   (the `passwd` wording variant; §5: mPower's API does not seem to run `passwd`), and "Enter current password
//   again: " (the `current-again` variant: a plausible re-authentication prompt).
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
/** New passwords PAM accepts to be refused before it ends the conversation (pam_pwquality `retry` default). */
const DEFAULT_NEW_PASSWORD_TRIES = 1;

export const MPOWER_STATUS = {
  badCredentials: 401,
  locked: 401,
  unauthenticated: 401,
  deadConversation: 400,
  conflict: 409,
  forbidden: 403,
  badRequest: 400,
  methodNotAllowed: 405,
  notFound: 404,
} as const;

export const MPOWER_TEXTS = {
  badLogin: 'Invalid username or password',
  attemptsRemaining: (remaining: number) => `authorize failed. ${remaining} attempts remaining.`,
  lockedFor: (seconds: number) => `authorize failed. Too many failed login attempts: the account is locked for ${seconds} seconds.`,
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
  conflict: (username: string) => `conflict: user ${username} already has a session from another address`,
  commissioning: 'device in commissioning mode: set up the first user before logging in',
  // PAM conversation texts (the first four are confirmed by the seed).
  changing: (username: string) => `Changing password for ${username}.`,
  currentPrompt: 'Current password: ',
  newPrompt: 'New password: ',
  retypePrompt: 'Retype new password: ',
  legacyCurrentPrompt: '(current) UNIX password: ',
  legacyNewPrompt: 'Enter new UNIX password: ',
  legacyRetypePrompt: 'Retype new UNIX password: ',
  currentAgainPrompt: 'Enter current password again: ',
  success: 'Change password success!',
  /** PAM's generic final status (vendor-notes §5): it follows a wrong current password, a refused new one or a mismatch alike. */
  manipulationError: 'Authentication token manipulation error',
  waitLonger: 'You must wait longer to change your password',
  badPassword: (reason: string) => `BAD PASSWORD: ${reason}`,
  injectedPolicyReason: 'it is too simplistic/systematic',
  retriesExhausted: 'Have exhausted maximum number of retries for service',
  mismatch: 'Sorry, passwords do not match.',
  unknownUser: (username: string) => `Unknown user name '${username}'.`,
} as const;

const INFO = 'info';
const QUESTION = 'question; input hide';
const ERROR = 'error';

export async function startMPowerSimulator(options: MPowerSimulatorOptions): Promise<MPowerSimulatedDevice> {
  let behaviour: ReturnType<typeof mpower> | undefined;
  const device = await startDeviceServer({
    vendor: 'multitech-mpower',
    options,
    defaultPolicy: MPOWER_DEFAULT_POLICY,
    defaultLockout: MPOWER_DEFAULT_LOCKOUT,
    build: (accounts) => {
      behaviour = mpower(accounts, options);
      return behaviour;
    },
  });
  const own = behaviour as ReturnType<typeof mpower>;
  return Object.assign(device, { openSessionFrom: own.openSessionFrom, commission: own.commission });
}

function promptsOf(variant: MPowerPrompts): { current: string; next: string; retype: string } {
  switch (variant) {
    case 'pam-legacy':
      return { current: MPOWER_TEXTS.legacyCurrentPrompt, next: MPOWER_TEXTS.legacyNewPrompt, retype: MPOWER_TEXTS.legacyRetypePrompt };
    case 'current-again':
      return { current: MPOWER_TEXTS.currentAgainPrompt, next: MPOWER_TEXTS.newPrompt, retype: MPOWER_TEXTS.retypePrompt };
    case 'pam-1.3':
      return { current: MPOWER_TEXTS.currentPrompt, next: MPOWER_TEXTS.newPrompt, retype: MPOWER_TEXTS.retypePrompt };
  }
}

type Stage = 'info' | 'current' | 'new' | 'retype';

interface Conversation {
  readonly username: string;
  stage: Stage;
  newPassword?: string;
  refusedNewPasswords: number;
}

interface MPowerSession {
  readonly user: string;
  readonly address: string;
}

const LOCAL_ADDRESS = '127.0.0.1';

function mpower(accounts: AccountStore, options: MPowerSimulatorOptions) {
  const now = options.now ?? Date.now;
  const addressOf = options.clientAddress ?? (() => LOCAL_ADDRESS);
  let commissioning = options.commissioning === true;
  /** When each user's password last changed (pam_unix `minage`). */
  const changedAt = new Map<string, number>();
  const finalText = (text: string) => (options.finalWording === 'passwd' ? `passwd: ${text}` : text);
  const sessions = new SessionStore<MPowerSession>(options.sessionIdleMs ?? MPOWER_DEFAULT_SESSION_IDLE_MS, () => randomHex(16).toUpperCase(), now);
  const conversations = new SessionStore<Conversation>(
    options.conversationIdleMs ?? MPOWER_DEFAULT_CONVERSATION_IDLE_MS,
    () => randomAlphanumeric(30),
    now,
  );
  const prompts = promptsOf(options.prompts ?? 'pam-1.3');
  const maxNewPasswordTries = options.newPasswordTries ?? DEFAULT_NEW_PASSWORD_TRIES;
  const loginRefusal = options.loginRefusal ?? 'attempts-remaining';

  const fail = (status: number, error: string): SimResponse => ({ status, body: { code: status, status: 'fail', error } });
  const success = (result?: unknown): SimResponse => ({
    status: 200,
    body: result === undefined ? { code: 200, status: 'success' } : { code: 200, status: 'success', result },
  });
  const aas = (aasID: string, aasDone: boolean, aasMsg: string, aasType: string): SimResponse => success({ aasDone, aasID, aasMsg, aasType });

  /** `?token=`, else the `token` cookie (vendor-notes §5: both work). */
  const tokenOf = (request: SimRequest): string | undefined => request.query.get('token') ?? request.cookies.token ?? undefined;

  /** The user behind the token, or the 401 envelope (409 from another address, where sessions are bound to it). */
  const authenticate = (request: SimRequest): { user: string } | SimResponse => {
    const token = tokenOf(request);
    if (token !== undefined && request.has('session-expired')) sessions.destroy(token);
    const session = sessions.use(token);
    if (session === undefined) return fail(MPOWER_STATUS.unauthenticated, MPOWER_TEXTS.unauthenticated);
    if (options.sessionPerAddress === true && session.address !== addressOf(request)) return fail(MPOWER_STATUS.conflict, MPOWER_TEXTS.conflict(session.user));
    return { user: session.user };
  };

  /** A live session of the user from another address (sessions of one address are replaced by a new login). */
  const heldElsewhere = (username: string, address: string): boolean => {
    let found = false;
    sessions.forEachLive((session) => {
      if (session.user === username && session.address !== address) found = true;
    });
    return found;
  };

  const mayActFor = (user: string, username: string) => user === username || accounts.roleOf(user) === 'admin';

  const login = (request: SimRequest): SimResponse => {
    const username = request.query.get('username') ?? field(request.body, 'username') ?? '';
    const password = request.query.get('password') ?? field(request.body, 'password') ?? '';
    if (commissioning) return fail(MPOWER_STATUS.conflict, MPOWER_TEXTS.commissioning);
    const address = addressOf(request);
    if (options.sessionPerAddress === true && heldElsewhere(username, address)) return fail(MPOWER_STATUS.conflict, MPOWER_TEXTS.conflict(username));
    const result = accounts.authenticate(username, password);
    if (result === 'bad-credentials' && accounts.lockSecondsLeft(username) > 0 && loginRefusal === 'attempts-remaining') {
      // The failure that locks the account: the last of its attempts.
      return fail(MPOWER_STATUS.badCredentials, MPOWER_TEXTS.attemptsRemaining(0));
    }
    if (result === 'locked') return fail(MPOWER_STATUS.locked, MPOWER_TEXTS.lockedFor(accounts.lockSecondsLeft(username)));
    if (result === 'bad-credentials') {
      const text = loginRefusal === 'plain' ? MPOWER_TEXTS.badLogin : MPOWER_TEXTS.attemptsRemaining(accounts.attemptsRemaining(username));
      return fail(MPOWER_STATUS.badCredentials, text);
    }
    const token = sessions.create({ user: username, address });
    const answer = success({
      address,
      isipcuser: false,
      isremoteuser: false,
      permission: accounts.roleOf(username),
      port: String(40_000 + Math.floor(Math.random() * 20_000)),
      timestamp: clock(new Date()),
      token,
      user: username,
    });
    return { ...answer, headers: { 'set-cookie': `token=${token}; Path=/; Secure; HttpOnly; SameSite=Strict` } };
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
        return aas(dead, true, finalText(MPOWER_TEXTS.unknownUser(username)), ERROR);
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
        return aas(aasID, false, prompts.current, QUESTION);
      case 'current':
        // PAM checks the current password as a login would, and a wrong one counts as a failed login.
        if (accounts.authenticate(username, answer) !== 'ok') return end(finalText(MPOWER_TEXTS.manipulationError), ERROR);
        if (now() - (changedAt.get(username) ?? -Infinity) < (options.minPasswordAgeSeconds ?? 0) * 1000) {
          // pam_unix's own reason, then the generic status passwd prints after it.
          return end(`${MPOWER_TEXTS.waitLonger}\n${finalText(MPOWER_TEXTS.manipulationError)}`, ERROR);
        }
        conversation.stage = 'new';
        return aas(aasID, false, prompts.next, QUESTION);
      case 'new': {
        const reason = request.has('reject-new-password')
          ? MPOWER_TEXTS.injectedPolicyReason
          : accounts.checkNewPassword(username, answer)?.reason;
        if (reason !== undefined) {
          conversation.refusedNewPasswords += 1;
          if (conversation.refusedNewPasswords >= maxNewPasswordTries) {
            return end(`${MPOWER_TEXTS.badPassword(reason)}\n${finalText(MPOWER_TEXTS.retriesExhausted)}`, ERROR);
          }
          // Like real PAM: the refusal, then the same question again.
          return aas(aasID, false, `${MPOWER_TEXTS.badPassword(reason)}\n${prompts.next}`, QUESTION);
        }
        conversation.newPassword = answer;
        conversation.stage = 'retype';
        return aas(aasID, false, prompts.retype, QUESTION);
      }
      case 'retype':
        if (answer !== conversation.newPassword) return end(`${MPOWER_TEXTS.mismatch}\n${finalText(MPOWER_TEXTS.manipulationError)}`, ERROR);
        accounts.setPassword(username, answer);
        changedAt.set(username, now());
        return end(MPOWER_TEXTS.success, INFO);
    }
  };

  const logout = (request: SimRequest): SimResponse => {
    const auth = authenticate(request);
    if (!('user' in auth)) return auth;
    sessions.destroy(tokenOf(request));
    return success();
  };

  return {
    openSessionFrom: (address: string, username: string) => {
      sessions.create({ user: username, address });
    },
    commission: () => {
      commissioning = false;
    },
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

const PASSWD_STEPS = ['open', 'acknowledge', 'current', 'new', 'retype'] as const;

/** The mPower simulator, for the tools and tests that run it (`SimulatorModule`). */
export const mpowerSimulatorModule: SimulatorModule = {
  vendor: 'multitech-mpower',
  start: startMPowerSimulator,
  // The answer to "Retype new password", the 5th passwd call.
  changeRequest: { on: 'passwd', skip: 4 },
  variants: [
    { name: 'plain-refusal', options: { loginRefusal: 'plain' }, source: 'unconfirmed: a refusal without the attempts count' , changes: 'login' },
    { name: 'pam-legacy', options: { prompts: 'pam-legacy', finalWording: 'passwd' }, source: 'vendor-notes §5: PAM before 1.3.0, "(current) UNIX password: "; "passwd: " prefixes' , changes: 'change' },
    { name: 'current-again', options: { prompts: 'current-again' }, source: 'unconfirmed: a re-authentication prompt' , changes: 'change' },
    { name: 'pwquality-retry-3', options: { newPasswordTries: 3 }, source: 'vendor-notes §5: pam_pwquality `retry` (1 by default; 3 where configured)' , changes: 'change' },
    { name: 'session-per-address', options: { sessionPerAddress: true }, source: 'vendor-notes §5 [weak]: older firmware, one session per user bound to its address (409)' , changes: 'login' },
  ],
  fieldFaults: [
    {
      label: 'login 409 (session bound to another address)',
      rule: { on: 'login', fault: { kind: 'respond', status: 409, body: { code: 409, status: 'fail', error: MPOWER_TEXTS.conflict('admin') } } },
      source: 'vendor-notes §5: older firmware refuses a second session from another address with 409',
    },
    {
      label: 'login 409 (commissioning mode)',
      rule: { on: 'login', fault: { kind: 'respond', status: 409, body: { code: 409, status: 'fail', error: MPOWER_TEXTS.commissioning } } },
      source: 'vendor-notes §5: a new or factory-reset device answers 409 until commissioned',
    },
  ],
  faultOperations: [
    { label: 'login', on: 'login', session: false },
    ...PASSWD_STEPS.map((step, skip) => ({
      label: `passwd#${skip} (${step})`,
      on: 'passwd',
      skip,
      session: true,
      conversation: skip > 0,
      // The device checks the new password on its answer (#3); the retype (#4) only compares it.
      rejects: step === 'new',
    })),
    { label: 'logout', on: 'logout', session: true },
  ],
  benchVariants: [
    {
      name: 'multitech-mpower',
      protocolMinimum: {
        requests: { login: 2, passwd: 5 },
        sessionClose: ['logout'],
        why: 'login; passwd conversation: open, acknowledge the info message, current, new, retype; login with the new password',
      },
    },
  ],
  conversationExpires: { on: 'passwd', skip: 3, fault: { kind: 'conversation-expired' } },
};

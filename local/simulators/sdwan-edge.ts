import type { SimulatorModule } from './simulator-module';
import type { AccountStore, Role } from './accounts';
import {
  DEFAULT_LOCKOUT,
  field,
  type SimRequest,
  type SimResponse,
  type SimulatedDevice,
  type SimulatorOptions,
  startDeviceServer,
} from './device-server';
import type { FaultRule } from './faults';
import type { PasswordPolicy } from './password-policy';
import { randomHex, SessionStore } from './sessions';

/**
 * Oracle SD-WAN Edge 9.1 (formerly Talari): `/restapi/...` session login with a `CGISESSID` cookie and a base64
 * epoch-seconds `timestamp` that every state-changing POST must carry back.
 * Operations (for fault rules): `login`, `timestamp`, `logout`, `change-password`.
 * Handler faults: `session-expired` (the cookie presented is treated as expired, and forgotten), `reject-new-password`.
 *
 * Confirmed by the vendor's page (seeds/002) and public notes: the routes, the login answer, the cookie, the success answer,
 * and the 401 / 403 (level, timestamp) / 400 (malformed JSON) / 405 answers of the change.
 * Everything else is UNCONFIRMED and lives in `SDWAN_EDGE_UNCONFIRMED` and `SDWAN_EDGE_TEXTS` below, so it is easy to correct.
 */
export interface SdwanEdgeSimulatorOptions extends SimulatorOptions {
  /** A POST whose timestamp is older than this is refused with "POST Request Timed Out". Default: 300 000 ms. */
  readonly timestampMaxAgeMs?: number;
  /**
   * What a successful login says of the user level:
   * - `number` (default, vendor-notes §5): `user_level: 1`, `user_level_str: "admin"`, message "… - level: 1";
   * - `message-only`: no `user_level` fields, only the message "… - level: 1";
   * - `label`: as `number`, but the message ends "level: admin" (the seed's wording).
   */
  readonly loginLevel?: SdwanLoginLevel;
}

export type SdwanLoginLevel = 'number' | 'message-only' | 'label';

/**
 * A 403 at login, as the device answers a login POST it refuses for its timestamp (vendor-notes §5: a 403 at login is
 * not proof of a wrong password). By default the device does not look at the credentials (`afterHandling: false`).
 */
export function sdwanLoginForbidden403(options: { afterHandling?: boolean; times?: number } = {}): FaultRule {
  return {
    on: 'login',
    times: options.times ?? 1,
    fault: { kind: 'respond', status: 403, body: { status: 'fail', message: 'Invalid POST Request' }, afterHandling: options.afterHandling ?? false },
  };
}

export const SDWAN_EDGE_PATHS = {
  login: '/restapi/login',
  timestamp: '/restapi/getNewTimestamp',
  logout: '/restapi/logout',
  changePassword: '/v1/admin/manage_appliance/users_Auth/changeLocalUserPwd',
} as const;

export const SDWAN_EDGE_COOKIE = 'CGISESSID';

/**
 * UNCONFIRMED behaviour, all in one place (no public source shows it; built the way such a device most plausibly behaves).
 * Sources of what is confirmed: seeds/002_oracle_sdwan_edge_change_password.txt (changeLocalUserPwd, its 200 / 401 /
 * 403 / 405 answers, `oldpwd` optional for an admin) and vendor-notes §3; vendor-notes §5 confirms the login message "… level: 1" (a number: the default `loginLevel`), the timestamp texts and
 * "Malformed JSON string in POST data", and that a 403 can mean a bad timestamp (the `sdwanLoginForbidden403` fault).
 * - the lockout: 5 failed logins within 900 s lock the account for 900 s;
 * - the password policy (`SDWAN_EDGE_DEFAULT_POLICY`);
 * - the session idle timeout (the web console's is configurable, in minutes);
 * - the default maximum age of a POST timestamp, and the clock skew tolerated for a timestamp from the future;
 * - the HTTP status of refused logins (401, locked or not) and of refused changes (400);
 * - the order of the checks on a change: method, session, JSON, timestamp, user level, fields, old password, confirmation, policy;
 * - that a wrong `oldpwd` counts as a failed login (and can lock the account);
 * - that every session of the user whose password changed is ended (the seed's `stay_logged_in: 0` suggests it for a
 *   self-change), while an admin resetting another user keeps its own session (`stay_logged_in: 1`);
 * - that the device remembers, per session, when it issued each timestamp (to the millisecond), and measures a timestamp's
 *   age from then; a timestamp it did not issue is aged from its own value (whole seconds);
 * - the wording of every failure in `SDWAN_EDGE_TEXTS` marked unconfirmed.
 */
export const SDWAN_EDGE_UNCONFIRMED = {
  sessionIdleMs: 30 * 60_000,
  timestampMaxAgeMs: 300_000,
  futureSkewMs: 5_000,
  loginRefusedStatus: 401,
  changeRefusedStatus: 400,
  lockout: DEFAULT_LOCKOUT,
} as const;

/** Unconfirmed: min 8, upper, lower, digit, no white space, not the current password. */
export const SDWAN_EDGE_DEFAULT_POLICY: PasswordPolicy = {
  minLength: 8,
  maxLength: 64,
  requireUpper: true,
  requireLower: true,
  requireDigit: true,
  requireSpecial: false,
  forbidWhitespace: true,
  forbidReuse: true,
};

export const SDWAN_EDGE_TEXTS = {
  // Confirmed (seed and public notes).
  notLoggedIn: 'Not logged in.',
  expectedPost: 'Operation must use a POST',
  malformedJson: 'Malformed JSON string in POST data',
  invalidPost: 'Invalid POST Request',
  timedOut: 'POST Request Timed Out',
  changed: 'Password Change Success - Your password has been changed.',
  insufficientLevel: (user: string, url: string) => `User Level for user ${user} is not sufficient for this ${url} operation.`,
  loginSuccess: (user: string, level: string) => `Login Success - Created session for user ${user} - level: ${level}`,
  // UNCONFIRMED wording.
  badLogin: 'Login Failed - Invalid username or password',
  locked: 'Login Failed - Account is locked due to too many failed login attempts',
  loggedOut: 'Logout Success',
  missingUser: 'Password Change Failed - Missing username',
  unknownUser: (user: string) => `Password Change Failed - User ${user} does not exist`,
  oldPasswordWrong: 'Password Change Failed - Old password is incorrect',
  mismatch: 'Password Change Failed - New password and confirm password do not match',
  policy: (reason: string) => `Password Change Failed - New password does not meet the password requirements: ${reason}`,
  policyFault: 'The password does not meet the password complexity requirements',
} as const;

const LEVELS: Record<Role, { level: number; label: string; upper: string }> = {
  admin: { level: 1, label: 'admin', upper: 'ADMIN' },
  guest: { level: 0, label: 'guest', upper: 'GUEST' },
};

interface EdgeSession {
  readonly username: string;
  /** Timestamp value → when this session was last handed it (ms). */
  readonly timestamps: Map<string, number>;
}

export async function startSdwanEdgeSimulator(options: SdwanEdgeSimulatorOptions): Promise<SimulatedDevice> {
  return startDeviceServer({
    vendor: 'oracle-sdwan-edge',
    options,
    defaultPolicy: SDWAN_EDGE_DEFAULT_POLICY,
    defaultLockout: SDWAN_EDGE_UNCONFIRMED.lockout,
    build: (accounts) => sdwanEdge(accounts, options),
  });
}

function sdwanEdge(accounts: AccountStore, options: SdwanEdgeSimulatorOptions) {
  const sessionIdleMs = options.sessionIdleMs ?? SDWAN_EDGE_UNCONFIRMED.sessionIdleMs;
  const timestampMaxAgeMs = options.timestampMaxAgeMs ?? SDWAN_EDGE_UNCONFIRMED.timestampMaxAgeMs;
  const loginLevel = options.loginLevel ?? 'number';
  const sessions = new SessionStore<EdgeSession>(sessionIdleMs, () => randomHex(32), options.now ?? Date.now);

  const fail = (status: number, message: string): SimResponse => ({ status, body: { message, status: 'fail' } });
  const notLoggedIn = () => fail(401, SDWAN_EDGE_TEXTS.notLoggedIn);
  const expectPost = () => fail(405, SDWAN_EDGE_TEXTS.expectedPost);

  const issueTimestamp = (session: EdgeSession): string => {
    const now = Date.now();
    const value = Buffer.from(String(Math.floor(now / 1000)), 'utf8').toString('base64');
    session.timestamps.set(value, now);
    return value;
  };

  /** The live session the request's cookie names, or undefined. A `session-expired` fault kills it first. */
  const sessionOf = (request: SimRequest): { id: string; session: EdgeSession } | undefined => {
    const id = request.cookies[SDWAN_EDGE_COOKIE];
    if (id === undefined) return undefined;
    if (request.has('session-expired')) sessions.destroy(id);
    const session = sessions.use(id);
    return session === undefined ? undefined : { id, session };
  };

  /** The JSON body, or undefined when absent or unparsable (the device's "Malformed JSON" case). */
  const jsonOf = (request: SimRequest): Record<string, unknown> | undefined => {
    try {
      const parsed: unknown = JSON.parse(request.rawBody);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };

  /** The anti-replay check every state-changing POST goes through. Undefined when the timestamp is acceptable. */
  const checkTimestamp = (session: EdgeSession, value: unknown): SimResponse | undefined => {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return fail(403, SDWAN_EDGE_TEXTS.invalidPost);
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    if (!/^\d{1,12}$/.test(decoded)) return fail(403, SDWAN_EDGE_TEXTS.invalidPost);
    const issuedAt = session.timestamps.get(value) ?? Number(decoded) * 1000;
    const age = Date.now() - issuedAt;
    if (age < -SDWAN_EDGE_UNCONFIRMED.futureSkewMs) return fail(403, SDWAN_EDGE_TEXTS.invalidPost);
    if (age > timestampMaxAgeMs) return fail(403, SDWAN_EDGE_TEXTS.timedOut);
    return undefined;
  };

  const login = (request: SimRequest): SimResponse => {
    if (request.method !== 'POST') return expectPost();
    const body = jsonOf(request);
    if (body === undefined) return fail(400, SDWAN_EDGE_TEXTS.malformedJson);
    const username = field(body.login, 'username') ?? '';
    const result = accounts.authenticate(username, field(body.login, 'password') ?? '');
    if (result === 'locked') return fail(SDWAN_EDGE_UNCONFIRMED.loginRefusedStatus, SDWAN_EDGE_TEXTS.locked);
    if (result === 'bad-credentials') return fail(SDWAN_EDGE_UNCONFIRMED.loginRefusedStatus, SDWAN_EDGE_TEXTS.badLogin);
    const level = LEVELS[accounts.roleOf(username) ?? 'guest'];
    const session: EdgeSession = { username, timestamps: new Map() };
    const id = sessions.create(session);
    return {
      status: 200,
      headers: { 'set-cookie': `${SDWAN_EDGE_COOKIE}=${id}; path=/; secure` },
      body: {
        status: 'success',
        ...(loginLevel === 'message-only' ? {} : { user_level: level.level, user_level_str: level.label }),
        message: SDWAN_EDGE_TEXTS.loginSuccess(username, loginLevel === 'label' ? level.label : String(level.level)),
        timestamp: issueTimestamp(session),
      },
    };
  };

  const changePassword = (request: SimRequest): SimResponse => {
    if (request.method !== 'POST') return expectPost();
    const live = sessionOf(request);
    if (live === undefined) return notLoggedIn();
    const body = jsonOf(request);
    if (body === undefined) return fail(400, SDWAN_EDGE_TEXTS.malformedJson);
    const stale = checkTimestamp(live.session, body.timestamp);
    if (stale) return stale;

    const actor = live.session.username;
    const actorRole = accounts.roleOf(actor) ?? 'guest';
    const target = field(body, 'username');
    if (target === undefined || target === '') return fail(400, SDWAN_EDGE_TEXTS.missingUser);
    const self = target === actor;
    if (!self && actorRole !== 'admin') {
      return {
        status: 403,
        body: {
          message: SDWAN_EDGE_TEXTS.insufficientLevel(actor, request.path),
          required_user_level: LEVELS.admin.upper,
          status: 'fail',
          user_level: LEVELS[actorRole].upper,
          user_name: actor,
        },
      };
    }
    if (!accounts.exists(target)) return fail(SDWAN_EDGE_UNCONFIRMED.changeRefusedStatus, SDWAN_EDGE_TEXTS.unknownUser(target));

    // oldpwd is required only when users change their own password; it is checked like a login, and counts as one.
    if (self) {
      const check = accounts.authenticate(actor, field(body, 'oldpwd') ?? '');
      if (check === 'locked') return fail(SDWAN_EDGE_UNCONFIRMED.changeRefusedStatus, SDWAN_EDGE_TEXTS.locked);
      if (check === 'bad-credentials') return fail(SDWAN_EDGE_UNCONFIRMED.changeRefusedStatus, SDWAN_EDGE_TEXTS.oldPasswordWrong);
    }
    const newPassword = field(body, 'newpwd');
    if (newPassword === undefined || newPassword !== field(body, 'confirmpwd')) {
      return fail(SDWAN_EDGE_UNCONFIRMED.changeRefusedStatus, SDWAN_EDGE_TEXTS.mismatch);
    }
    const violation = request.has('reject-new-password') ? { reason: SDWAN_EDGE_TEXTS.policyFault } : accounts.checkNewPassword(target, newPassword);
    if (violation) return fail(SDWAN_EDGE_UNCONFIRMED.changeRefusedStatus, SDWAN_EDGE_TEXTS.policy(violation.reason));

    accounts.setPassword(target, newPassword);
    // Every session of the user whose password changed ends, the caller's own included on a self-change.
    sessions.destroyWhere((session) => session.username === target);
    return { status: 200, body: { data: { message: SDWAN_EDGE_TEXTS.changed, stay_logged_in: self ? 0 : 1 }, status: 'success' } };
  };

  return {
    expireSessions: () => sessions.expireAll(),
    issuedTokens: () => [...sessions.issued],
    notFound: (path: string) => fail(404, `Resource ${path} not found`),
    routes: [
      { method: 'ANY' as const, path: SDWAN_EDGE_PATHS.login, operation: 'login', handle: login },
      {
        method: 'GET' as const,
        path: SDWAN_EDGE_PATHS.timestamp,
        operation: 'timestamp',
        handle: (request: SimRequest): SimResponse => {
          const live = sessionOf(request);
          if (live === undefined) return notLoggedIn();
          return { status: 200, body: { status: 'success', timestamp: issueTimestamp(live.session) } };
        },
      },
      {
        method: 'ANY' as const,
        path: SDWAN_EDGE_PATHS.logout,
        operation: 'logout',
        handle: (request: SimRequest): SimResponse => {
          if (request.method !== 'POST') return expectPost();
          const live = sessionOf(request);
          if (live === undefined) return notLoggedIn();
          sessions.destroy(live.id);
          return { status: 200, body: { status: 'success', message: SDWAN_EDGE_TEXTS.loggedOut } };
        },
      },
      { method: 'ANY' as const, path: SDWAN_EDGE_PATHS.changePassword, operation: 'change-password', handle: changePassword },
    ],
  };
}

/** The SD-WAN Edge simulator, for the tools and tests that run it (`SimulatorModule`). */
export const sdwanEdgeSimulatorModule: SimulatorModule = {
  vendor: 'oracle-sdwan-edge',
  start: startSdwanEdgeSimulator,
  changeRequest: { on: 'change-password' },
  variants: [
    { name: 'level-message-only', options: { loginLevel: 'message-only' }, source: 'vendor-notes §5: the level is told in the message ("… level: 1"); unconfirmed: without user_level fields' , changes: 'login' },
    { name: 'level-label', options: { loginLevel: 'label' }, source: 'seeds/002_oracle_sdwan_edge_change_password.txt and vendor-notes §3: "level: admin"' , changes: 'login' },
  ],
  fieldFaults: [{ label: 'login 403 (timestamp)', rule: sdwanLoginForbidden403(), source: 'vendor-notes §5: a 403 can mean a bad or stale timestamp, at login too' }],
  faultOperations: [
    { label: 'login', on: 'login', session: false },
    {
      label: 'timestamp',
      on: 'timestamp',
      session: true,
      // Only a change refused for a stale timestamp fetches a fresh one: the first change request is delayed (within
      // the deadline) past the timestamp's maximum age, so the client renews it with getNewTimestamp and sends again.
      setup: { simulator: { timestampMaxAgeMs: 100 }, extraRules: [{ on: 'change-password', times: 1, fault: { kind: 'latency', ms: 200 } }] },
    },
    { label: 'change-password', on: 'change-password', session: true, rejects: true },
    { label: 'logout', on: 'logout', session: true },
  ],
  benchVariants: [
    {
      name: 'oracle-sdwan-edge',
      protocolMinimum: {
        requests: { login: 2, 'change-password': 1 },
        sessionClose: ['logout'],
        why: 'login (its answer carries the timestamp the change needs); changeLocalUserPwd; login with the new password',
      },
    },
  ],
  // An admin may reset another user's password: `npm run devices` gives it one to reset.
  demoUsers: (password) => [{ username: 'operator', password: password(), role: 'admin' }],
};

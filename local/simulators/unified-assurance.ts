import type { SimulatorModule } from './simulator-module';
import type { AccountStore } from './accounts';
import {
  DEFAULT_LOCKOUT,
  field,
  type SimRequest,
  type SimResponse,
  type SimulatedDevice,
  type SimulatorOptions,
  startDeviceServer,
} from './device-server';
import type { PasswordPolicy } from './password-policy';
import { randomHex, SessionStore } from './sessions';

/**
 * Oracle Communications Unified Assurance 6.x: `/api/core/...`, HTTP Basic per request or a session from `executeLogin`.
 * Operations (for fault rules): `login`, `read-session`, `logout`, `change-password`.
 *
 * Sources: seeds/003_oracle_unified_assurance_change_password.txt (executeChangePassword: all four fields required,
 * `success:false` with errors keyed by field) and vendor-notes §4 / §5 (executeLogin / readSessionInfo / executeLogout;
 * a refused login as a 401 HTML page with `WWW-Authenticate: Basic`, or HTTP 200 `success:false` [unconfirmed]).
 * Unconfirmed by public sources, and kept here: the policy, the wording of failures, the session cookie name, the
 * HTTP status of failed operations (400) and of missing authentication (401); the lockout (5 failed logins within
 * 900 s lock for 900 s); the shapes of a refused login (vendor-notes §5): a 401 HTML page with `WWW-Authenticate:
 * Basic` from the web server in front of the API (the default: §5 reports it), a 200 `success:false` [unconfirmed], or
 * the API's own 401 JSON (the `json-refusal` and `success-false` variants); and that a LOCKED account is always told in the API's JSON envelope (401 `success:false`),
 * whatever the refusal shape (no source shows how a lock looks).
 */
export interface UnifiedAssuranceSimulatorOptions extends SimulatorOptions {
  /** How a refused login answers (see above). Default: `html-401`. */
  readonly loginRefusal?: UaLoginRefusal;
}

export type UaLoginRefusal = 'json' | 'html-401' | 'success-false';

export const UNIFIED_ASSURANCE_LOCKOUT = DEFAULT_LOCKOUT;

/** The page a web server in front of the API sends with a Basic-auth challenge. */
export const UNIFIED_ASSURANCE_UNAUTHORIZED_HTML =
  '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>401 Unauthorized</title>\n</head><body>\n<h1>Unauthorized</h1>\n' +
  '<p>This server could not verify that you are authorized to access the document requested. Either you supplied the wrong ' +
  "credentials (e.g., bad password), or your browser doesn't understand how to supply the credentials required.</p>\n</body></html>\n";
export const UNIFIED_ASSURANCE_DEFAULT_POLICY: PasswordPolicy = {
  minLength: 8,
  maxLength: 64,
  requireUpper: true,
  requireLower: true,
  requireDigit: true,
  requireSpecial: false,
  forbidWhitespace: true,
  forbidReuse: true,
};

const SESSION_COOKIE = 'PHPSESSID';

export const UNIFIED_ASSURANCE_TEXTS = {
  badLogin: 'Invalid username or password',
  locked: 'Account is locked. Contact your administrator',
  unauthenticated: 'Authentication required',
  oldPasswordWrong: 'Old password is incorrect',
  mismatch: 'New passwords do not match',
  required: 'This field is required',
  notYours: 'You may only change your own password',
} as const;

export async function startUnifiedAssuranceSimulator(options: UnifiedAssuranceSimulatorOptions): Promise<SimulatedDevice> {
  return startDeviceServer({
    vendor: 'oracle-unified-assurance',
    options,
    defaultPolicy: UNIFIED_ASSURANCE_DEFAULT_POLICY,
    defaultLockout: UNIFIED_ASSURANCE_LOCKOUT,
    build: (accounts) => unifiedAssurance(accounts, options),
  });
}

function unifiedAssurance(accounts: AccountStore, options: UnifiedAssuranceSimulatorOptions) {
  const sessions = new SessionStore<string>(options.sessionIdleMs ?? 15 * 60_000, () => randomHex(16), options.now ?? Date.now);
  const loginRefusal = options.loginRefusal ?? 'html-401';
  const refusedLogin = (): SimResponse => {
    switch (loginRefusal) {
      case 'html-401':
        return {
          status: 401,
          body: UNIFIED_ASSURANCE_UNAUTHORIZED_HTML,
          headers: { 'content-type': 'text/html; charset=iso-8859-1', 'www-authenticate': 'Basic realm="Unified Assurance"' },
        };
      case 'success-false':
        return fail(200, UNIFIED_ASSURANCE_TEXTS.badLogin);
      case 'json':
        return fail(401, UNIFIED_ASSURANCE_TEXTS.badLogin);
    }
  };
  let nextUserId = 1001;
  const userIds = new Map<string, number>();

  const sessionInfo = (username: string) => {
    if (!userIds.has(username)) userIds.set(username, nextUserId++);
    return {
      Username: username,
      UserID: userIds.get(username),
      UserGroupID: accounts.roleOf(username) === 'admin' ? 1 : 2,
      FullName: username,
      Locale: 'en_US',
      TZ: 'UTC',
      PasswordExpiration: Math.floor(Date.now() / 1000) + 90 * 24 * 3600,
    };
  };

  const fail = (status: number, message: string, errors?: unknown[]): SimResponse => ({
    status,
    body: errors ? { success: false, message, errors } : { success: false, message },
  });

  /** The user a request acts as: from a live session cookie, or from HTTP Basic. */
  const authenticate = (request: SimRequest): { user: string } | SimResponse => {
    const cookie = request.cookies[SESSION_COOKIE];
    if (cookie !== undefined) {
      if (request.has('session-expired')) sessions.destroy(cookie);
      const user = sessions.use(cookie);
      return user === undefined ? fail(401, UNIFIED_ASSURANCE_TEXTS.unauthenticated) : { user };
    }
    const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '');
    if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const [username, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
      const result = accounts.authenticate(username, password);
      if (result === 'ok') return { user: username };
      return fail(401, result === 'locked' ? UNIFIED_ASSURANCE_TEXTS.locked : UNIFIED_ASSURANCE_TEXTS.badLogin);
    }
    return fail(401, UNIFIED_ASSURANCE_TEXTS.unauthenticated);
  };

  return {
    expireSessions: () => sessions.expireAll(),
    issuedTokens: () => [...sessions.issued],
    notFound: (path: string) => fail(404, `No route for ${path}`),
    routes: [
      {
        method: 'POST' as const,
        path: '/api/core/Login/executeLogin',
        operation: 'login',
        handle: (request: SimRequest): SimResponse => {
          const username = field(request.body, 'Username') ?? '';
          const result = accounts.authenticate(username, field(request.body, 'Password') ?? '');
          if (result === 'locked') return fail(401, UNIFIED_ASSURANCE_TEXTS.locked);
          if (result === 'bad-credentials') return refusedLogin();
          const id = sessions.create(username);
          return {
            status: 200,
            headers: { 'set-cookie': `${SESSION_COOKIE}=${id}; path=/; secure; HttpOnly` },
            body: { success: true, message: 'Added record', data: [sessionInfo(username)], total: 1 },
          };
        },
      },
      {
        method: 'GET' as const,
        path: '/api/core/Login/readSessionInfo',
        operation: 'read-session',
        handle: (request: SimRequest): SimResponse => {
          const auth = authenticate(request);
          if (!('user' in auth)) return auth;
          return { status: 200, body: { success: true, message: 'Loaded 1 entries', data: [sessionInfo(auth.user)], total: 1 } };
        },
      },
      {
        method: 'POST' as const,
        path: '/api/core/Login/executeLogout',
        operation: 'logout',
        handle: (request: SimRequest): SimResponse => {
          sessions.destroy(request.cookies[SESSION_COOKIE]);
          return { status: 200, body: { success: true, message: 'Logged out' } };
        },
      },
      {
        method: 'POST' as const,
        path: '/api/core/ChangePassword/executeChangePassword',
        operation: 'change-password',
        handle: (request: SimRequest): SimResponse => {
          const auth = authenticate(request);
          if (!('user' in auth)) return auth;
          const fields = ['Username', 'OldPassword', 'NewPassword', 'RepeatNewPassword'] as const;
          const missing = fields.filter((name) => field(request.body, name) === undefined);
          if (missing.length > 0) return fail(400, 'Exception thrown', missing.map((name) => ({ [name]: UNIFIED_ASSURANCE_TEXTS.required })));
          const [username, oldPassword, newPassword, repeat] = fields.map((name) => field(request.body, name) as string);
          if (username !== auth.user) return fail(403, 'Exception thrown', [{ Username: UNIFIED_ASSURANCE_TEXTS.notYours }]);
          // OldPassword may be an expired password; it is checked like a login, and counts as one.
          const check = accounts.authenticate(username, oldPassword);
          if (check === 'locked') return fail(400, 'Exception thrown', [{ OldPassword: UNIFIED_ASSURANCE_TEXTS.locked }]);
          if (check === 'bad-credentials') return fail(400, 'Exception thrown', [{ OldPassword: UNIFIED_ASSURANCE_TEXTS.oldPasswordWrong }]);
          if (newPassword !== repeat) return fail(400, 'Exception thrown', [{ RepeatNewPassword: UNIFIED_ASSURANCE_TEXTS.mismatch }]);
          const violation = request.has('reject-new-password')
            ? { reason: 'The password does not meet the password policy' }
            : accounts.checkNewPassword(username, newPassword);
          if (violation) return fail(400, 'Exception thrown', [{ NewPassword: violation.reason }]);
          accounts.setPassword(username, newPassword);
          return { status: 200, body: { success: true, message: 'Loaded 1 entries', data: [sessionInfo(username)], total: 1 } };
        },
      },
    ],
  };
}

/** The Unified Assurance simulator, for the tools and tests that run it (`SimulatorModule`). */
export const unifiedAssuranceSimulatorModule: SimulatorModule = {
  vendor: 'oracle-unified-assurance',
  start: startUnifiedAssuranceSimulator,
  changeRequest: { on: 'change-password' },
  variants: [
    { name: 'json-refusal', options: { loginRefusal: 'json' }, source: "unconfirmed: the API's own 401 JSON envelope" , changes: 'login' },
    { name: 'success-false', options: { loginRefusal: 'success-false' }, source: 'vendor-notes §5 [unconfirmed]: HTTP 200 with success:false' , changes: 'login' },
  ],
  faultOperations: [
    { label: 'login', on: 'login', session: false },
    { label: 'change-password', on: 'change-password', session: true, rejects: true },
    { label: 'logout', on: 'logout', session: true },
  ],
  benchVariants: [
    {
      name: 'oracle-unified-assurance',
      protocolMinimum: {
        requests: { login: 2, 'change-password': 1 },
        sessionClose: ['logout'],
        why: 'executeLogin; executeChangePassword; executeLogin with the new password',
      },
    },
  ],
};

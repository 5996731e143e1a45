import { forgetRegisteredWso2Clients } from '../../lambda/vendors/wso2-emm/client';
import type { SimulatorModule } from './simulator-module';
import { request } from 'node:https';
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
import { randomAlphanumeric, randomHex } from './sessions';

/**
 * WSO2 EMM 2.0.x: an OAuth client registered without authentication (`/dynamic-client-web/register`: the product's
 * endpoint skips it, vendor-notes §5; an Authorization header is ignored), a password-grant token (`/oauth2/token`), then `POST /mdm-admin/users/change-password` with base64 passwords.
 * Operations (for fault rules): `register`, `token`, `change-password`.
 * Handler faults: `session-expired` (the bearer token presented is forgotten and refused), `reject-new-password`
 * (the change answers the ambiguous 400).
 */
export interface Wso2EmmSimulatorOptions extends SimulatorOptions {
  /**
   * Lifetime of an access token, from issue (WSO2 tokens expire absolutely, not on idle). `expires_in` reports it in
   * seconds. Default: `sessionIdleMs` when given, else 3 600 000 (one hour, the product default).
   */
  readonly tokenLifetimeMs?: number;
  /**
   * How the token endpoint refuses bad user credentials (vendor-notes §5):
   * - `invalid_grant-400` (default, the product's own): 400 `{"error":"invalid_grant", …}`;
   * - `invalid_client-401`: 401 `{"error":"invalid_client", …}`, as other WSO2 deployments and proxies answer.
   */
  readonly badCredentials?: Wso2BadCredentials;
  /**
   * Which a change checks first: `old-first` (default; vendor-notes §5, the product's source at v2.0.1: the old password,
   * then the new password's rule) or `new-first` (the order first guessed; kept selectable, a client must not depend
   * on it). Either way every user-store failure is the same 400.
   */
  readonly checkOrder?: Wso2CheckOrder;
}

export type Wso2BadCredentials = 'invalid_grant-400' | 'invalid_client-401';
export type Wso2CheckOrder = 'old-first' | 'new-first';

/** The user store's default `PasswordJavaRegEx` `^[\S]{5,30}$`: 5 to 30 characters, no white space. */
export const WSO2_EMM_DEFAULT_POLICY: PasswordPolicy = {
  minLength: 5,
  maxLength: 30,
  requireUpper: false,
  requireLower: false,
  requireDigit: false,
  requireSpecial: false,
  forbidWhitespace: true,
  forbidReuse: false,
};

export const WSO2_EMM_DEFAULT_TOKEN_LIFETIME_MS = 3_600_000;

/** Texts the public sources show (the seed, the product's integration tests, the OAuth 2.0 RFC). */
export const WSO2_EMM_TEXTS = {
  /** Plain-text body of a 401 from the mdm-admin API (missing, unknown or expired bearer token). */
  unauthorized: 'Failed to authorize incoming request',
  /** The only answer of change-password to any user-store failure, wrong old password and policy violation alike. */
  changeFailed: 'Old password does not match.',
  changed: (username: string) => `User password by username: ${username} was successfully changed.`,
  invalidGrant: 'Provided Authorization Grant is invalid',
  /** vendor-notes §5: the description of a bad user at v2.0.1. */
  authenticationFailed: (username: string) => `Authentication failed for ${username}@carbon.super`,
  invalidClient: 'Client Authentication failed.',
} as const;

/*
 * ---- Sources, and the unconfirmed behaviour (no public source shows it); change it here. ----
 * Confirmed by seeds/001_wso2_emm_change_password.txt (change-password: 201 / 400 "Old password does not match.",
 * base64 passwords) and vendor-notes §2 / §5 (the product's source at v2.0.1): registration is not authenticated;
 * a bad user at the token endpoint is 400 `invalid_grant` ("Authentication failed for <user>@<tenant>"), a bad client
 * 401 `invalid_client` ("Client Authentication failed."); other deployments answer bad users 401 (the
 * `invalid_client-401` variant); a change checks the old password before the new password's rule (`checkOrder`
 * `old-first`, the default; `new-first` is a variant), and every user-store failure is the same 400.
 * - The lockout: §5 says account locking is off by default in EMM 2.0.1 (no identity-management feature); the
 *   simulator locks anyway (5 failures within 900 s, for 900 s), so that a rotator is held to a limit everywhere.
 * - A locked account: the password grant answers 400 `invalid_grant` (401 `invalid_client` in that variant) whose
 *   description carries WSO2 Identity Server's account-locked code 17003.
 * - Registration: the answer is 201 `{client_id, client_secret, client_name:"<owner>_<clientName>", callback_url,
 *   grant_types}`; registering the same clientName for the same owner again returns the same client; a body without
 *   owner or clientName is 400 `invalid_client_metadata`; an unknown owner is registered all the same.
 * - change-password: a wrong old password counts as a failed login, as does
 *   an old password that is not base64 (the product's decoder is lenient: a plain password decodes to garbage that
 *   is then checked); a new password that is not base64 is refused with the same 400. A locked account also gets the
 *   same 400 (it is a user-store failure). A username other than the token's, from a non-admin token, is 403 text.
 * - Only the password grant is served; other grant types answer 400 `unsupported_grant_type`.
 * - Tokens are 32 hex digits (as in the seed's examples); client ids and secrets 28 alphanumerics.
 */
export const WSO2_EMM_UNCONFIRMED = {
  lockedDescription: '17003 Account is locked for the user. Too many failed login attempts.',
  forbiddenUser: 'User is not authorized to change the password of this user',
  lockout: DEFAULT_LOCKOUT,
} as const;

export async function startWso2EmmSimulator(options: Wso2EmmSimulatorOptions): Promise<SimulatedDevice> {
  const tokenLifetimeMs = options.tokenLifetimeMs ?? options.sessionIdleMs ?? WSO2_EMM_DEFAULT_TOKEN_LIFETIME_MS;
  return startDeviceServer({
    vendor: 'wso2-emm',
    options,
    defaultPolicy: WSO2_EMM_DEFAULT_POLICY,
    defaultLockout: WSO2_EMM_UNCONFIRMED.lockout,
    build: (accounts) => wso2Emm(accounts, tokenLifetimeMs, options.badCredentials ?? 'invalid_grant-400', options.checkOrder ?? 'old-first'),
  });
}

interface OAuthApp {
  readonly owner: string;
  readonly clientName: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly grantTypes: string;
}

interface AccessToken {
  readonly username: string;
  readonly clientId: string;
  readonly expiresAt: number;
}

/** `Basic base64(a:b)` → [a, b]. */
function basicCredentials(request: SimRequest): [string, string] | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The decoded text, or undefined when the value is not (canonical) base64 of UTF-8. */
function decodeBase64(value: string): string | undefined {
  if (!STRICT_BASE64.test(value)) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  return Buffer.from(decoded, 'utf8').toString('base64') === value ? decoded : undefined;
}

function wso2Emm(accounts: AccountStore, tokenLifetimeMs: number, badCredentials: Wso2BadCredentials, checkOrder: Wso2CheckOrder) {
  const newFirst = checkOrder === 'new-first';
  const apps = new Map<string, OAuthApp>(); // by client id
  const accessTokens = new Map<string, AccessToken>();
  const issued: string[] = [];

  const oauthError = (status: number, error: string, description: string): SimResponse => ({
    status,
    body: { error, error_description: description },
  });
  const changeAnswer = (statusCode: number, messageFromServer: string): SimResponse => ({ status: statusCode, body: { statusCode, messageFromServer } });
  const unauthorized = (): SimResponse => ({ status: 401, body: WSO2_EMM_TEXTS.unauthorized });

  const appResponse = (app: OAuthApp) => ({
    client_id: app.clientId,
    client_secret: app.clientSecret,
    client_name: `${app.owner}_${app.clientName}`,
    callback_url: '',
    grant_types: app.grantTypes,
  });

  /** Not authenticated (vendor-notes §5): no credential is looked at, and nothing counts as a login. */
  const register = (request: SimRequest): SimResponse => {
    const owner = field(request.body, 'owner');
    const clientName = field(request.body, 'clientName');
    if (!owner || !clientName) return oauthError(400, 'invalid_client_metadata', 'owner and clientName are required');
    const existing = [...apps.values()].find((app) => app.owner === owner && app.clientName === clientName);
    if (existing) return { status: 201, body: appResponse(existing) };
    const app: OAuthApp = {
      owner,
      clientName,
      clientId: randomAlphanumeric(28),
      clientSecret: randomAlphanumeric(28),
      grantTypes: field(request.body, 'grantType') ?? 'password refresh_token',
    };
    apps.set(app.clientId, app);
    issued.push(app.clientSecret);
    return { status: 201, body: appResponse(app) };
  };

  const token = (request: SimRequest): SimResponse => {
    const basic = basicCredentials(request);
    const app = basic === undefined ? undefined : apps.get(basic[0]);
    if (basic === undefined || app === undefined || app.clientSecret !== basic[1]) return oauthError(401, 'invalid_client', WSO2_EMM_TEXTS.invalidClient);
    const grantType = field(request.body, 'grant_type');
    if (grantType !== 'password') return oauthError(400, 'unsupported_grant_type', `Unsupported grant_type value: ${grantType ?? ''}`);
    const username = field(request.body, 'username');
    const password = field(request.body, 'password');
    if (!username || password === undefined) return oauthError(400, 'invalid_request', 'Missing parameters: username password');
    const result = accounts.authenticate(username, password);
    const refuse = (description: string) =>
      badCredentials === 'invalid_client-401' ? oauthError(401, 'invalid_client', description) : oauthError(400, 'invalid_grant', description);
    if (result === 'locked') return refuse(WSO2_EMM_UNCONFIRMED.lockedDescription);
    if (result !== 'ok') return refuse(badCredentials === 'invalid_client-401' ? WSO2_EMM_TEXTS.invalidClient : WSO2_EMM_TEXTS.authenticationFailed(username));
    const accessToken = randomHex(16);
    const refreshToken = randomHex(16);
    issued.push(accessToken, refreshToken);
    accessTokens.set(accessToken, { username, clientId: app.clientId, expiresAt: Date.now() + tokenLifetimeMs });
    return {
      status: 200,
      body: {
        access_token: accessToken,
        refresh_token: refreshToken,
        token_type: 'Bearer',
        expires_in: Math.floor(tokenLifetimeMs / 1000),
        scope: field(request.body, 'scope') || 'default',
      },
    };
  };

  const changePassword = (request: SimRequest): SimResponse => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (bearer !== undefined && request.has('session-expired')) accessTokens.delete(bearer);
    const session = bearer === undefined ? undefined : accessTokens.get(bearer);
    if (bearer === undefined || session === undefined) return unauthorized();
    if (Date.now() >= session.expiresAt) {
      accessTokens.delete(bearer);
      return unauthorized();
    }
    const failed = () => changeAnswer(400, WSO2_EMM_TEXTS.changeFailed);
    const username = field(request.body, 'username');
    const oldEncoded = field(request.body, 'oldPassword');
    const newEncoded = field(request.body, 'newPassword');
    if (!username || oldEncoded === undefined || newEncoded === undefined || !accounts.exists(username)) return failed();
    if (username !== session.username && accounts.roleOf(session.username) !== 'admin') return { status: 403, body: WSO2_EMM_UNCONFIRMED.forbiddenUser };

    const newPassword = decodeBase64(newEncoded);
    if (newPassword === undefined) return failed();
    const newPasswordFails = () => request.has('reject-new-password') || accounts.checkNewPassword(username, newPassword) !== undefined;
    if (newFirst && newPasswordFails()) return failed();
    // An undecodable old password is checked as the garbage a lenient decoder makes of it: it never matches, and counts.
    const oldPassword = decodeBase64(oldEncoded) ?? `\u0000not-base64:${oldEncoded}`;
    if (accounts.authenticate(username, oldPassword) !== 'ok') return failed();
    if (!newFirst && newPasswordFails()) return failed();
    accounts.setPassword(username, newPassword);
    return changeAnswer(201, WSO2_EMM_TEXTS.changed(username));
  };

  return {
    // A restart forgets no OAuth application (they are in the database), but access tokens are dropped here.
    expireSessions: () => accessTokens.clear(),
    issuedTokens: () => [...issued],
    notFound: (path: string): SimResponse => ({ status: 404, body: `No resource found for ${path}` }),
    routes: [
      { method: 'POST' as const, path: '/dynamic-client-web/register', operation: 'register', handle: register },
      { method: 'POST' as const, path: '/oauth2/token', operation: 'token', handle: token },
      { method: 'POST' as const, path: '/mdm-admin/users/change-password', operation: 'change-password', handle: changePassword },
    ],
  };
}

/**
 * Registers an OAuth application on a simulated WSO2 device the way an operator does by hand before putting its
 * credentials in the device secret (`oauthClient`): one `/dynamic-client-web/register` call (with the user's Basic
 * credentials, as the product's docs show; the device does not check them), the device's certificate trusted.
 */
export function registerOAuthClientByHand(
  device: SimulatedDevice,
  credentials: { username: string; password: string },
  clientName = 'operator-app',
): Promise<{ clientId: string; clientSecret: string }> {
  const body = JSON.stringify({ owner: credentials.username, clientName, grantType: 'password refresh_token', tokenScope: 'default', saasApp: true });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: device.host,
        port: device.port,
        method: 'POST',
        path: '/dynamic-client-web/register',
        ca: device.certificatePem,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { client_id?: string; client_secret?: string };
          if (answer.client_id === undefined || answer.client_secret === undefined) reject(new Error(`registration refused (HTTP ${res.statusCode})`));
          else resolve({ clientId: answer.client_id, clientSecret: answer.client_secret });
        });
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

/** The WSO2 EMM simulator, for the tools and tests that run it (`SimulatorModule`). */
export const wso2EmmSimulatorModule: SimulatorModule = {
  vendor: 'wso2-emm',
  start: startWso2EmmSimulator,
  changeRequest: { on: 'change-password' },
  variants: [
    { name: 'invalid_client-401', options: { badCredentials: 'invalid_client-401' }, source: 'vendor-notes §5: other WSO2 deployments and proxies refuse bad users with 401' , changes: 'login' },
    { name: 'new-password-first', options: { checkOrder: 'new-first' }, source: 'unconfirmed: the check order first guessed (§5 says old first)' , changes: 'change' },
  ],
  faultOperations: [
    { label: 'register', on: 'register', session: false },
    { label: 'token', on: 'token', session: false },
    { label: 'change-password', on: 'change-password', session: true, rejects: true },
  ],
  benchVariants: [
    {
      name: 'wso2-emm',
      protocolMinimum: {
        requests: { token: 2, 'change-password': 1 },
        sessionClose: [],
        why: 'password grant (OAuth client from the secret); change-password; password grant with the new password',
      },
      secretExtras: async (device, credentials) => ({ oauthClient: await registerOAuthClientByHand(device, credentials, 'rotator-bench') }),
    },
    {
      name: 'wso2-emm (dynamic registration)',
      protocolMinimum: {
        requests: { register: 1, token: 2, 'change-password': 1 },
        sessionClose: [],
        why: 'register the OAuth client once; password grant; change-password; password grant with the new password',
      },
      // Each rotation starts on a new instance, without the OAuth application the previous one registered (a warm
      // instance keeps it between the change and the verify of one rotation).
      beforeEachRotation: forgetRegisteredWso2Clients,
    },
  ],
};

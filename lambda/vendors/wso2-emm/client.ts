import {
  AccountLockedError,
  AuthenticationFailedError,
  type DeviceErrorDetails,
  PasswordRejectedError,
  ProtocolError,
  SessionExpiredError,
} from '../../device/errors';
import { basicAuth, DeviceHttp, type DeviceResponse, type StepContext } from '../../device/http';
import { attemptLogin } from '../../device/outcome';
import type { ClientOptions, Credentials, DeviceClient, DeviceEndpoint, LoginOutcome, PasswordChange } from '../../device/types';

/**
 * WSO2 EMM 2.0.x. A login is an OAuth password grant (`/oauth2/token`) made with an OAuth client: either one given
 * to the constructor, or one this client registers (`/dynamic-client-web/register`, idempotent on the device for the
 * same owner and client name). Registration is not authenticated on the device (vendor-notes §5): no credential is
 * sent to it, so it costs no login; the password grant is the one login. At the token endpoint, 400 `invalid_grant`
 * and any 401 (`invalid_client` included: proxies and other deployments answer bad user credentials so) are a refused
 * login; any other answer there is a `ProtocolError` of the login exchange (outcome unknown). The change (`/mdm-admin/users/change-password`) takes
 * both passwords base64-encoded and answers any user-store failure with the same 400, so a refusal is reported as
 * `policy-or-current-password`: this client does not guess which (a login with the current password tells).
 */
export const WSO2_EMM_PATHS = {
  register: '/dynamic-client-web/register',
  token: '/oauth2/token',
  changePassword: '/mdm-admin/users/change-password',
} as const;

/** Name of the OAuth application registered on the device when no client credentials are configured. */
export const WSO2_EMM_CLIENT_NAME = 'device-password-rotator';
/** The scope the product's own examples request. */
export const WSO2_EMM_TOKEN_SCOPE = 'default';

/** An OAuth application registered on the device beforehand (a future field of the device secret). */
export interface Wso2OAuthClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

/**
 * A locked account. Unconfirmed wording: WSO2 Identity Server reports a locked account with code 17003 in the
 * authentication failure reason; matched loosely.
 */
const LOCKED = /lock|17003/i;

interface Wso2Token {
  readonly accessToken: string;
  readonly refreshToken?: string;
}

interface Wso2Login {
  readonly client: Wso2OAuthClientCredentials;
  readonly token: Wso2Token;
}

interface OAuthErrorAnswer {
  readonly error?: unknown;
  readonly error_description?: unknown;
}

/**
 * OAuth applications registered by this process, by device and owner: registering once is enough, and a warm Lambda
 * reuses them, so the verify that follows a change (`testSecret`) does not register again. Held in memory only.
 */
const registeredClients = new Map<string, Wso2OAuthClientCredentials>();

/** Forgets every registered application, as a new Lambda instance starts without them (benchmarks, tests). */
export function forgetRegisteredWso2Clients(): void {
  registeredClients.clear();
}

export class Wso2EmmClient implements DeviceClient {
  readonly vendor = 'wso2-emm' as const;
  private readonly http: DeviceHttp;

  constructor(
    readonly endpoint: DeviceEndpoint,
    options: ClientOptions = {},
    private readonly oauthClient?: Wso2OAuthClientCredentials,
  ) {
    this.http = new DeviceHttp(endpoint, options);
  }

  /** One password grant (preceded, without configured client credentials and none registered yet, by a registration that sends no credential). */
  verifyLogin(credentials: Credentials): Promise<LoginOutcome> {
    return attemptLogin(() => this.login(credentials));
  }

  async changePassword(change: PasswordChange): Promise<void> {
    const { client, token } = await this.login({ username: change.username, password: change.currentPassword });
    const context: StepContext = {
      step: 'change-password',
      secrets: [change.currentPassword, change.newPassword, ...clientSecrets(client), ...tokenSecrets(token)],
    };
    const response = await this.http.request(context, {
      method: 'POST',
      path: WSO2_EMM_PATHS.changePassword,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token.accessToken}` },
      body: JSON.stringify({ username: change.username, oldPassword: base64(change.currentPassword), newPassword: base64(change.newPassword) }),
    });
    const site = this.http.site(context);
    if (response.status === 201 || response.status === 200) return;
    const details: DeviceErrorDetails = { httpStatus: response.status, deviceMessage: changeMessageOf(response) };
    if (response.status === 400) throw new PasswordRejectedError(site, 'policy-or-current-password', details);
    if (response.status === 401) throw new SessionExpiredError(site, 'session', details);
    throw new ProtocolError(site, 'unexpected answer to the password change', details);
  }

  /**
   * (Registration if needed, then) a password grant: exactly one login attempt. A 401 at the grant is a refusal; a
   * registered client it may concern is forgotten, so that the next attempt registers afresh (which costs no login).
   */
  private async login(credentials: Credentials): Promise<Wso2Login> {
    if (this.oauthClient !== undefined) return { client: this.oauthClient, token: await this.token(this.oauthClient, credentials) };
    const key = this.registrationKey(credentials.username);
    let client = registeredClients.get(key);
    if (client === undefined) {
      client = await this.register(credentials);
      registeredClients.set(key, client);
    }
    try {
      return { client, token: await this.token(client, credentials) };
    } catch (error) {
      if (error instanceof AuthenticationFailedError && error.httpStatus === 401) registeredClients.delete(key);
      throw error;
    }
  }

  /** The device as its TLS settings identify it, and the owner: an application is only ever sent back where it came from. */
  private registrationKey(username: string): string {
    const tls = this.endpoint.tls ?? {};
    return JSON.stringify([this.http.host, this.http.port, tls.certificateSha256 ?? '', tls.caCertificate ?? '', tls.serverName ?? '', username]);
  }

  /** Registers the application for `owner`. No credential is sent: the endpoint is not authenticated, and this is no login. */
  private async register(credentials: Credentials): Promise<Wso2OAuthClientCredentials> {
    const context: StepContext = { step: 'register-client', secrets: [credentials.password] };
    const response = await this.http.request(context, {
      method: 'POST',
      path: WSO2_EMM_PATHS.register,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        owner: credentials.username,
        clientName: WSO2_EMM_CLIENT_NAME,
        grantType: 'password refresh_token',
        tokenScope: WSO2_EMM_TOKEN_SCOPE,
        saasApp: true,
      }),
    });
    const site = this.http.site(context);
    if (response.status === 201 || response.status === 200) {
      // The answer holds the client secret: it is never quoted.
      const answer = quietJson(response);
      const clientId = stringField(answer, 'client_id');
      const clientSecret = stringField(answer, 'client_secret');
      if (clientId && clientSecret) return { clientId, clientSecret };
      throw new ProtocolError(site, 'the client registration answer holds no client_id and client_secret', { httpStatus: response.status });
    }
    const details: DeviceErrorDetails = { httpStatus: response.status, deviceMessage: response.body || undefined };
    if (response.status === 401 || response.status === 403) {
      throw new ProtocolError(
        site,
        'the device refused the (unauthenticated) client registration; register an OAuth application by hand and set oauthClient in the secret',
        details,
      );
    }
    throw new ProtocolError(site, 'unexpected answer to the client registration', details);
  }

  /** A password grant: the login. */
  private async token(client: Wso2OAuthClientCredentials, credentials: Credentials): Promise<Wso2Token> {
    const context: StepContext = { step: 'token', secrets: [credentials.password, ...clientSecrets(client)], login: true };
    const response = await this.http.request(context, {
      method: 'POST',
      path: WSO2_EMM_PATHS.token,
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(client.clientId, client.clientSecret) },
      body: new URLSearchParams({
        grant_type: 'password',
        username: credentials.username,
        password: credentials.password,
        scope: WSO2_EMM_TOKEN_SCOPE,
      }).toString(),
    });
    const site = this.http.site(context);
    if (response.status === 200) {
      // The answer holds the tokens: it is never quoted.
      const answer = quietJson(response);
      const accessToken = stringField(answer, 'access_token');
      if (accessToken) return { accessToken, refreshToken: stringField(answer, 'refresh_token') };
      throw new ProtocolError(site, 'the token answer holds no access_token', { httpStatus: 200 });
    }
    const answer = (objectOf(quietJson(response)) ?? {}) as OAuthErrorAnswer;
    const description = typeof answer.error_description === 'string' ? answer.error_description : '';
    const details: DeviceErrorDetails = { httpStatus: response.status, deviceMessage: response.body || undefined };
    if ((response.status === 400 || response.status === 401) && LOCKED.test(description)) throw new AccountLockedError(site, details);
    if (response.status === 401) throw new AuthenticationFailedError(site, details);
    if (response.status === 400 && answer.error === 'invalid_grant') throw new AuthenticationFailedError(site, details);
    throw new ProtocolError(site, 'unexpected answer to the token request', details);
  }
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function clientSecrets(client: Wso2OAuthClientCredentials): string[] {
  return [client.clientSecret];
}

function tokenSecrets(token: Wso2Token): string[] {
  return token.refreshToken === undefined ? [token.accessToken] : [token.accessToken, token.refreshToken];
}

function quietJson(response: DeviceResponse): unknown {
  try {
    return JSON.parse(response.body) as unknown;
  } catch {
    return undefined;
  }
}

function objectOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function stringField(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)[name];
  return typeof field === 'string' && field.length > 0 ? field : undefined;
}

/** `messageFromServer` of a JSON answer, or the plain-text body (a 401 is plain text). */
function changeMessageOf(response: DeviceResponse): string | undefined {
  const message = stringField(quietJson(response), 'messageFromServer');
  return message ?? (response.body || undefined);
}

/** This vendor's client for a device (`VendorModule.clientModule`); a configured OAuth application comes from the secret. */
export function createClient(endpoint: DeviceEndpoint, options: ClientOptions = {}, secret: { oauthClient?: Wso2OAuthClientCredentials } = {}): Wso2EmmClient {
  return new Wso2EmmClient(endpoint, options, secret.oauthClient);
}

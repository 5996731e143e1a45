import { SessionDeviceClient } from '../../device/session-client';
import { AccountLockedError, AuthenticationFailedError, PasswordRejectedError, type PasswordRejection, ProtocolError, SessionExpiredError } from '../../device/errors';
import { cookieHeader, cookiesFrom, type DeviceResponse, parseJson, type StepContext } from '../../device/http';
import type { ClientOptions, Credentials, DeviceEndpoint, PasswordChange } from '../../device/types';

/**
 * Oracle Communications Unified Assurance 6.x (formerly Federos Assure1).
 * Session login (`executeLogin`) rather than per-request Basic auth, so that an expired session (401 on a later call)
 * cannot be mistaken for a refused password. The session cookie's name is unconfirmed: every cookie set is sent back.
 * A refused login is read from the status and envelope, not from being able to parse the answer (vendor-notes §5): a 401
 * whatever its body (an HTML page with `WWW-Authenticate: Basic` from the web server in front included), or a 200 with
 * `success:false`. Anything else at login (a 403 included) is a `ProtocolError` of the login exchange: outcome unknown.
 */
export const UNIFIED_ASSURANCE_PATHS = {
  login: '/api/core/Login/executeLogin',
  logout: '/api/core/Login/executeLogout',
  changePassword: '/api/core/ChangePassword/executeChangePassword',
} as const;

/** Unconfirmed wording: matched loosely. */
const LOCKED = /lock|disabled/i;

interface UaSession {
  readonly cookies: Record<string, string>;
}

interface UaAnswer {
  readonly success?: boolean;
  readonly message?: string;
  readonly errors?: unknown;
}

export class UnifiedAssuranceClient extends SessionDeviceClient<UaSession> {
  readonly vendor = 'oracle-unified-assurance' as const;

  /** Login, the change, and a logout (best effort) after a failure too, unless the device said the session is over. */
  async changePassword(change: PasswordChange): Promise<void> {
    const secrets = [change.currentPassword, change.newPassword];
    const session = await this.login({ username: change.username, password: change.currentPassword });
    let ended = false;
    try {
      await this.submitChange(session, change, secrets);
    } catch (error) {
      ended = error instanceof SessionExpiredError;
      throw error;
    } finally {
      if (!ended) await this.logout(session, secrets);
    }
  }

  private async submitChange(session: UaSession, change: PasswordChange, secrets: readonly string[]): Promise<void> {
    const context: StepContext = { step: 'change-password', secrets: [...secrets, ...Object.values(session.cookies)] };
    const response = await this.http.request(context, {
      method: 'POST',
      path: UNIFIED_ASSURANCE_PATHS.changePassword,
      headers: { 'content-type': 'application/json', cookie: cookieHeader(session.cookies) },
      body: JSON.stringify({
        Username: change.username,
        OldPassword: change.currentPassword,
        NewPassword: change.newPassword,
        RepeatNewPassword: change.newPassword,
      }),
    });
    const site = this.http.site(context);
    if (response.status === 401) throw new SessionExpiredError(site, 'session', { httpStatus: 401, deviceMessage: messageOf(response) });
    const answer = parseJson(site, response) as UaAnswer;
    if (response.status === 200 && answer.success === true) return;
    if (answer.success === false) {
      throw new PasswordRejectedError(site, rejectionOf(answer.errors), { httpStatus: response.status, deviceMessage: answer.errors ?? answer.message });
    }
    throw new ProtocolError(site, 'unexpected answer to the password change', { httpStatus: response.status, deviceMessage: response.body });
  }

  protected async login(credentials: Credentials): Promise<UaSession> {
    const context: StepContext = { step: 'login', secrets: [credentials.password], login: true };
    const response = await this.http.request(context, {
      method: 'POST',
      path: UNIFIED_ASSURANCE_PATHS.login,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Username: credentials.username, Password: credentials.password }),
    });
    const cookies = cookiesFrom(response);
    const site = this.http.site({ ...context, secrets: [credentials.password, ...Object.values(cookies)] });
    const answer = quietJson(response);
    if (response.status === 200 && answer?.success === true) {
      if (Object.keys(cookies).length === 0) throw new ProtocolError(site, 'login succeeded but the device set no session cookie');
      return { cookies };
    }
    const message = typeof answer?.message === 'string' ? answer.message : '';
    const details = { httpStatus: response.status, deviceMessage: (message || response.body) || undefined };
    // A lock is only read from the API's own envelope, never guessed from a web page.
    if (answer?.success === false && LOCKED.test(message)) throw new AccountLockedError(site, details);
    if (response.status === 401) throw new AuthenticationFailedError(site, details);
    if (response.status === 200 && answer?.success === false) throw new AuthenticationFailedError(site, details);
    if (answer === undefined) throw new ProtocolError(site, 'the device answered the login with something that is not JSON', details);
    throw new ProtocolError(site, 'unexpected answer to the login', details);
  }

  /** Best effort: a session left open expires on its own, so a failed logout does not fail the operation. */
  protected async logout(session: UaSession, secrets: readonly string[]): Promise<void> {
    const context: StepContext = { step: 'logout', secrets: [...secrets, ...Object.values(session.cookies)] };
    await this.http
      .request(context, { method: 'POST', path: UNIFIED_ASSURANCE_PATHS.logout, headers: { cookie: cookieHeader(session.cookies) } })
      .catch(() => undefined);
  }
}

function quietJson(response: DeviceResponse): UaAnswer | undefined {
  try {
    const answer = JSON.parse(response.body) as unknown;
    return typeof answer === 'object' && answer !== null && !Array.isArray(answer) ? (answer as UaAnswer) : undefined;
  } catch {
    return undefined;
  }
}

function messageOf(response: DeviceResponse): string {
  try {
    return String((JSON.parse(response.body) as UaAnswer).message ?? response.body);
  } catch {
    return response.body;
  }
}

/** Validation errors are keyed by the request field they concern. */
function rejectionOf(errors: unknown): PasswordRejection {
  const keys = new Set((Array.isArray(errors) ? errors : [errors]).flatMap((e) => (e && typeof e === 'object' ? Object.keys(e) : [])));
  if (keys.has('OldPassword')) return 'current-password';
  if (keys.has('RepeatNewPassword')) return 'mismatch';
  if (keys.has('NewPassword')) return 'policy';
  return 'unknown';
}

/** This vendor's client for a device (`VendorModule.clientModule`). */
export function createClient(endpoint: DeviceEndpoint, options: ClientOptions = {}): UnifiedAssuranceClient {
  return new UnifiedAssuranceClient(endpoint, options);
}

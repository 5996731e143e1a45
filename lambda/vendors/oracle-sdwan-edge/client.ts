import { SessionDeviceClient } from '../../device/session-client';
import {
  AccountLockedError,
  AuthenticationFailedError,
  type ErrorSite,
  PasswordRejectedError,
  type PasswordRejection,
  InsufficientPrivilegeError,
  ProtocolError,
  SessionExpiredError,
} from '../../device/errors';
import { cookieHeader, cookiesFrom, type DeviceResponse, parseJson, type StepContext } from '../../device/http';
import type { ClientOptions, Credentials, DeviceEndpoint, PasswordChange, PasswordReset } from '../../device/types';

/**
 * Oracle SD-WAN Edge 9.1 (formerly Talari).
 * `POST /restapi/login` gives a `CGISESSID` cookie and a `timestamp` (base64 epoch seconds) that state-changing POSTs carry
 * back; `POST .../changeLocalUserPwd` changes a password: `oldpwd` for one's own, none when an admin (user level 1) sets
 * another user's. A POST refused for its timestamp ("POST Request Timed Out", "Invalid POST Request") was refused before the
 * device acted, so it is sent once more with a fresh timestamp from `GET /restapi/getNewTimestamp`.
 * Failure wordings other than those are unconfirmed: matched loosely, and anything not understood fails closed.
 */
export const SDWAN_EDGE_PATHS = {
  login: '/restapi/login',
  timestamp: '/restapi/getNewTimestamp',
  logout: '/restapi/logout',
  changePassword: '/v1/admin/manage_appliance/users_Auth/changeLocalUserPwd',
} as const;

const SESSION_COOKIE = 'CGISESSID';
const ADMIN_LEVEL = 1;

/** Confirmed: the device refused the POST for its timestamp, before acting on it. */
const TIMESTAMP_REFUSED = /POST Request Timed Out|Invalid POST Request/i;
/** Confirmed shape (`required_user_level`, `user_level`); the wording is matched loosely too. */
const INSUFFICIENT_LEVEL = /not sufficient|user level/i;
const MALFORMED = /malformed json/i;
/** Unconfirmed wordings, matched loosely. */
const LOCKED = /\block/i;
const LOGIN_REFUSED = /invalid (user|credential|password|login)|incorrect|wrong|authenticat|login fail/i;
const POLICY = /polic|complex|length|requirement|too short|too long|at least|reuse|same as|differ|history/i;
const CURRENT_PASSWORD = /\b(old|current)[\s_-]*(password|pwd)\b|\boldpwd\b/i;
const MISMATCH = /match/i;

interface EdgeSession {
  readonly cookies: Record<string, string>;
  readonly timestamp: string;
  readonly userLevel: number;
}

interface EdgeAnswer {
  readonly status?: string;
  readonly message?: string;
  readonly timestamp?: unknown;
  readonly user_level?: unknown;
  readonly user_level_str?: unknown;
  readonly required_user_level?: unknown;
  readonly data?: { readonly message?: string; readonly stay_logged_in?: unknown };
}

/** What the device said of a change it accepted. */
interface ChangeAccepted {
  /** False when the device says it ended the session (`stay_logged_in: 0`, after a self-change). */
  readonly stayLoggedIn: boolean;
}

export class SdwanEdgeClient extends SessionDeviceClient<EdgeSession> {
  readonly vendor = 'oracle-sdwan-edge' as const;

  async changePassword(change: PasswordChange): Promise<void> {
    const secrets = [change.currentPassword, change.newPassword];
    const session = await this.login({ username: change.username, password: change.currentPassword });
    await this.withSession(session, secrets, () =>
      this.submitChange('change-password', session, secrets, {
        username: change.username,
        oldpwd: change.currentPassword,
        newpwd: change.newPassword,
        confirmpwd: change.newPassword,
      }),
    );
  }

  /** The privileged path: an admin (user level 1) sets another user's password, without that user's current one. */
  async resetPassword(reset: PasswordReset): Promise<void> {
    const secrets = [reset.admin.password, reset.newPassword];
    if (reset.admin.username === reset.username) {
      // The device wants `oldpwd` for one's own password: that is `changePassword`.
      throw new Error(`resetPassword sets another user's password; use changePassword for ${reset.username}'s own`);
    }
    const session = await this.login(reset.admin);
    await this.withSession(session, secrets, async () => {
      if (session.userLevel !== ADMIN_LEVEL) {
        throw new InsufficientPrivilegeError(
          this.http.site({ step: 'reset-password', secrets: this.secretsOf(session, secrets) }),
          `the account ${reset.admin.username} has user level ${session.userLevel}, not admin (${ADMIN_LEVEL}): it cannot set ` +
            `${reset.username}'s password; nothing was sent`,
        );
      }
      return this.submitChange('reset-password', session, secrets, {
        username: reset.username,
        newpwd: reset.newPassword,
        confirmpwd: reset.newPassword,
      });
    });
  }

  /**
   * Runs `operation` in a logged-in session, then logs out (best effort), after a failure too, unless the session is
   * known to be over: the device ended it (after a self-change, or a 401).
   */
  private async withSession(session: EdgeSession, secrets: readonly string[], operation: () => Promise<ChangeAccepted>): Promise<void> {
    let ended = false;
    try {
      ended = !(await operation()).stayLoggedIn;
    } catch (error) {
      ended = error instanceof SessionExpiredError;
      throw error;
    } finally {
      if (!ended) await this.logout(session, secrets);
    }
  }

  private secretsOf(session: EdgeSession, secrets: readonly string[]): string[] {
    return [...secrets, ...Object.values(session.cookies)];
  }

  /**
   * One login request, classified by the protocol: a lock named in the answer is `AccountLockedError`; a 401 is a
   * refusal whatever its body; a 403 is not (it can mean a bad or stale timestamp, vendor-notes §5), nor is anything
   * else that is not a success: a `ProtocolError` of the login exchange (outcome unknown). The user level comes from
   * `user_level`, else from `user_level_str` or the message's "level: 1" / "level: admin".
   */
  protected async login(credentials: Credentials): Promise<EdgeSession> {
    const context: StepContext = { step: 'login', secrets: [credentials.password], login: true };
    const response = await this.http.request(context, {
      method: 'POST',
      path: SDWAN_EDGE_PATHS.login,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: { username: credentials.username, password: credentials.password } }),
    });
    const cookies = cookiesFrom(response);
    // Whatever the device set is a secret from here on, even on a failure path.
    const site = this.http.site({ ...context, secrets: [credentials.password, ...Object.values(cookies)] });
    const parsed = quietJson(response);
    const answer: EdgeAnswer = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as EdgeAnswer) : {};
    const message = typeof answer.message === 'string' ? answer.message : '';
    if (response.status === 200 && answer.status === 'success') {
      if (!cookies[SESSION_COOKIE]) throw new ProtocolError(site, `login succeeded but the device set no ${SESSION_COOKIE} cookie`);
      if (typeof answer.timestamp !== 'string' || answer.timestamp === '') {
        throw new ProtocolError(site, 'login succeeded but the answer carries no timestamp');
      }
      const userLevel = userLevelOf(answer);
      if (userLevel === undefined) throw new ProtocolError(site, 'login succeeded but the answer carries no user level');
      return { cookies, timestamp: answer.timestamp, userLevel };
    }
    const details = { httpStatus: response.status, deviceMessage: (message || response.body) || undefined };
    // A lock is named, not guessed from a status (a 403 naming a lock is one too).
    if ((response.status !== 200 || answer.status === 'fail') && LOCKED.test(message)) throw new AccountLockedError(site, details);
    if (response.status === 401) throw new AuthenticationFailedError(site, details);
    if (response.status === 403) {
      throw new ProtocolError(site, 'the device answered the login 403, which can mean a bad timestamp as well as refused credentials; outcome unknown', details);
    }
    if ((response.status === 200 || response.status === 400) && answer.status === 'fail' && LOGIN_REFUSED.test(message) && !MALFORMED.test(message)) {
      throw new AuthenticationFailedError(site, details);
    }
    throw new ProtocolError(site, 'unexpected answer to the login', details);
  }

  /** Sends a change; if and only if the device refused it for its timestamp (before acting), once more with a fresh one. */
  private async submitChange(
    step: 'change-password' | 'reset-password',
    session: EdgeSession,
    secrets: readonly string[],
    fields: Record<string, string>,
  ): Promise<ChangeAccepted> {
    const send = (timestamp: string) => {
      const context: StepContext = { step, secrets: this.secretsOf(session, secrets) };
      return this.http
        .request(context, {
          method: 'POST',
          path: SDWAN_EDGE_PATHS.changePassword,
          headers: { 'content-type': 'application/json', cookie: cookieHeader(session.cookies) },
          body: JSON.stringify({ ...fields, timestamp }),
        })
        .then((response) => ({ response, site: this.http.site(context) }));
    };
    let { response, site } = await send(session.timestamp);
    if (timestampRefused(response)) {
      const fresh = await this.newTimestamp(session, secrets);
      ({ response, site } = await send(fresh));
      if (timestampRefused(response)) {
        throw new ProtocolError(site, 'the device refused the request timestamp again, after a fresh one was fetched; nothing was changed', {
          httpStatus: response.status,
          deviceMessage: messageOf(response),
        });
      }
    }
    return this.readChange(site, response);
  }

  private readChange(site: ErrorSite, response: DeviceResponse): ChangeAccepted {
    if (response.status === 401) throw new SessionExpiredError(site, 'session', { httpStatus: 401, deviceMessage: messageOf(response) });
    const answer = answerOf(site, response);
    const message = answer.data?.message ?? answer.message ?? '';
    const details = { httpStatus: response.status, deviceMessage: message || response.body };
    if (response.status === 200 && answer.status === 'success') {
      return { stayLoggedIn: Number(answer.data?.stay_logged_in) !== 0 };
    }
    if (response.status === 403 && (answer.required_user_level !== undefined || INSUFFICIENT_LEVEL.test(message))) {
      const required = typeof answer.required_user_level === 'string' ? answer.required_user_level : 'ADMIN';
      const actual = typeof answer.user_level === 'string' ? answer.user_level : 'lower';
      throw new InsufficientPrivilegeError(
        site,
        `the logged-in account's user level (${actual}) is too low to set another user's password (${required} needed); nothing was changed`,
        details,
      );
    }
    if ((response.status === 400 || response.status === 200) && answer.status === 'fail') {
      if (MALFORMED.test(message)) throw new ProtocolError(site, 'the device could not read the request', details);
      if (LOCKED.test(message)) throw new AccountLockedError(site, details);
      throw new PasswordRejectedError(site, rejectionOf(message), details);
    }
    throw new ProtocolError(site, 'unexpected answer to the password change', details);
  }

  private async newTimestamp(session: EdgeSession, secrets: readonly string[]): Promise<string> {
    const context: StepContext = { step: 'timestamp', secrets: this.secretsOf(session, secrets) };
    const response = await this.http.request(context, {
      method: 'GET',
      path: SDWAN_EDGE_PATHS.timestamp,
      headers: { cookie: cookieHeader(session.cookies) },
    });
    const site = this.http.site(context);
    if (response.status === 401) throw new SessionExpiredError(site, 'session', { httpStatus: 401, deviceMessage: messageOf(response) });
    const answer = answerOf(site, response);
    if (response.status === 200 && answer.status === 'success' && typeof answer.timestamp === 'string' && answer.timestamp !== '') {
      return answer.timestamp;
    }
    throw new ProtocolError(site, 'unexpected answer to the timestamp request', { httpStatus: response.status, deviceMessage: answer.message });
  }

  /** Best effort: a session left open idles out on its own, and one the device already ended answers 401. */
  protected async logout(session: EdgeSession, secrets: readonly string[]): Promise<void> {
    const context: StepContext = { step: 'logout', secrets: this.secretsOf(session, secrets) };
    await this.http
      .request(context, { method: 'POST', path: SDWAN_EDGE_PATHS.logout, headers: { cookie: cookieHeader(session.cookies) } })
      .catch(() => undefined);
  }
}

function quietJson(response: DeviceResponse): unknown {
  try {
    return JSON.parse(response.body) as unknown;
  } catch {
    return undefined;
  }
}

const LEVEL_NAMES: Record<string, number> = { guest: 0, admin: 1 };

/** `user_level` (a number, or digits), else `user_level_str`, else the login message's "level: 1" or "level: admin". */
function userLevelOf(answer: EdgeAnswer): number | undefined {
  const read = (value: unknown): number | undefined => {
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    if (typeof value !== 'string') return undefined;
    const text = value.trim().toLowerCase();
    if (/^\d+$/.test(text)) return Number(text);
    return LEVEL_NAMES[text];
  };
  const fromMessage = typeof answer.message === 'string' ? /level:\s*(\w+)/i.exec(answer.message)?.[1] : undefined;
  return read(answer.user_level) ?? read(answer.user_level_str) ?? read(fromMessage);
}

function answerOf(site: ErrorSite, response: DeviceResponse): EdgeAnswer {
  const answer = parseJson(site, response);
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    throw new ProtocolError(site, 'the device answered JSON that is not an object', { httpStatus: response.status, deviceMessage: response.body });
  }
  return answer as EdgeAnswer;
}

/** The `message` of a JSON answer, or the raw body when it is not one. */
function messageOf(response: DeviceResponse): string {
  try {
    const answer = JSON.parse(response.body) as EdgeAnswer | null;
    return typeof answer?.message === 'string' ? answer.message : response.body;
  } catch {
    return response.body;
  }
}

function timestampRefused(response: DeviceResponse): boolean {
  return response.status !== 200 && response.status !== 401 && TIMESTAMP_REFUSED.test(messageOf(response));
}

/** Unconfirmed wordings: the policy is checked first, so that "must differ from the old password" is not taken for a wrong one. */
function rejectionOf(message: string): PasswordRejection {
  if (POLICY.test(message)) return 'policy';
  if (CURRENT_PASSWORD.test(message)) return 'current-password';
  if (MISMATCH.test(message)) return 'mismatch';
  return 'unknown';
}

/** This vendor's client for a device (`VendorModule.clientModule`). */
export function createClient(endpoint: DeviceEndpoint, options: ClientOptions = {}): SdwanEdgeClient {
  return new SdwanEdgeClient(endpoint, options);
}

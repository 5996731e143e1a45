import { SessionDeviceClient } from '../../device/session-client';
import {
  AccountLockedError,
  AuthenticationFailedError,
  DeviceCommissioningError,
  type ErrorSite,
  PasswordRejectedError,
  ProtocolError,
  SessionBoundToAddressError,
  SessionExpiredError,
} from '../../device/errors';
import { DeviceHttp, type DeviceResponse, parseJson, type StepContext } from '../../device/http';
import type { ClientOptions, Credentials, DeviceEndpoint, PasswordChange } from '../../device/types';
import type { DeviceSecret } from '../../secret/device-secret';

/**
 * MultiTech mPower (MTR / Conduit gateways), `seeds/000_multitech_mpower_passwd.md`.
 *
 * Login with a JSON body (the device also takes the credentials as query parameters; this client never does, so that
 * they cannot land in the device's access log), then the token as `?token=` on every later request. The password
 * change is a PAM conversation through `POST /api/command/passwd`: the device hands out an `aasID` and asks one
 * question per answer. The client is driven by the text of each question, never by counting calls, and fails closed
 * on any question it does not recognise.
 *
 * The conversation is exposed step by step (`openConversation`, `answerPrompt`) so that a state machine can run each
 * step as its own state, holding only references to the passwords, the session and the `aasID`.
 */
export const MPOWER_PATHS = {
  login: '/api/login',
  logout: '/api/logout',
  passwd: '/api/command/passwd',
} as const;

/** Answers `changePassword` sends at most in one conversation (a normal one takes four). */
export const MPOWER_MAX_ANSWERS = 8;

export interface MPowerSession {
  readonly token: string;
}

export type PromptKind = 'acknowledge' | 'current-password' | 'new-password' | 'retype-password' | 'done';

export interface ConversationPrompt {
  readonly kind: PromptKind;
  /** The device's message (`aasMsg`), as sent. Never holds a secret. */
  readonly text: string;
}

export interface ConversationStep {
  readonly aasId: string;
  readonly prompt: ConversationPrompt;
}

export interface PromptAnswer {
  readonly username: string;
  readonly aasId: string;
  /** The prompt being answered, as the previous step returned it. */
  readonly prompt: ConversationPrompt;
  readonly currentPassword: string;
  readonly newPassword: string;
}

/** The `result` of a conversation answer, as the device sends it. */
export interface AasResult {
  readonly aasDone?: unknown;
  readonly aasID?: unknown;
  readonly aasMsg?: unknown;
  readonly aasType?: unknown;
}

interface Envelope {
  readonly code?: unknown;
  readonly status?: unknown;
  readonly result?: unknown;
  readonly error?: unknown;
}

// The failure wordings below are unconfirmed (no public source): matched loosely, as Linux PAM words them.
/** A login refused for a lock (bruteForcePrevention): the wording is unconfirmed, matched loosely in the error envelope. */
const LOCKED = /lock|too many (?:failed )?(?:login )?attempts|try again (?:later|in)/i;
const BAD_PASSWORD = /BAD PASSWORD/i;
/** pam_unix refusals of a new password that carry no "BAD PASSWORD" (vendor-notes §5). */
const PAM_POLICY = /already (?:been )?used|choose another/i;
/** pam_unix refusals that are about the account, not the new password (minimum password age): the device's reason. */
const PAM_OWN_REASON = /must wait longer|password (?:has )?expired|not (?:yet )?allowed to change/i;
const MISMATCH = /do(?:es)?\s*(?:not|n't)\s*match/i;
/** PAM_AUTH_ERR: the current password given was checked and refused. */
const WRONG_CURRENT = /authentication failure/i;
/** PAM's generic final status (vendor-notes §5): after a wrong current password, a refused new one or a mismatch alike. */
const GENERIC_FAILURE = /authentication token manipulation error/i;
/** A 409 at login that names commissioning (vendor-notes §5); any other 409 is the session-per-address conflict. */
const COMMISSIONING = /commission/i;
const SUCCESS = /\bsuccess(?:ful(?:ly)?)?\b/i;
/** Read by meaning: anything that names the current (or old) password asks for it, "again" or not. */
const CURRENT = /\bcurrent\b|\bold\b/i;
/** A confirmation that does not name the current password is the retype of the new one. */
const RETYPE = /retype|re-?enter|again|confirm/i;
const NEW = /new\s+(?:unix\s+)?password/i;
const INFO = /^\s*info/i;
const QUESTION = /question/i;
const DEAD_AASID = /aas\s*id/i;
const DEAD_WORDS = /invalid|expired|unknown|not\s+found|no\s+such|timed?\s*out/i;
const AAS_ID = /^[A-Za-z0-9]{8,128}$/;

/** How far along the conversation a prompt is: a device may only move forward. */
const RANK: Record<PromptKind, number> = { acknowledge: 0, 'current-password': 1, 'new-password': 2, 'retype-password': 3, done: 4 };

/**
 * What the device is asking for, read from a conversation answer's `result`. Pure. Refusals are thrown, typed:
 * - "BAD PASSWORD" anywhere (or a pam_unix refusal: "already used", "must wait longer") → `PasswordRejectedError('policy')`,
 *   even when PAM asks for another new password after it (a refused password is never followed by another attempt);
 * - "do not match" → `'mismatch'` (checked before the generic status: PAM adds "Authentication token manipulation error" to it);
 * - a reason of the device's own ("You must wait longer to change your password") → `'device-reason'`, quoted;
 * - "Authentication failure" (PAM_AUTH_ERR) → `'current-password'`;
 * - "Authentication token manipulation error" alone → `'ambiguous'`: PAM's generic final status follows a wrong
 *   current password, a refused new password and a mismatch alike (vendor-notes §5), so the client does not guess;
 * - `aasDone:true` without a success message → `'unknown'`.
 * Questions are read by meaning: one naming the current or old password ("Current password:", "(current) UNIX
 * password:", "Enter current password again:") is answered with the current password; "retype" / "again" / "confirm"
 * without "current" is the retype of the new one. Anything not recognised is a `ProtocolError`: nothing is answered to
 * a question we cannot read.
 */
export function classifyPrompt(result: unknown, site: ErrorSite): ConversationPrompt {
  if (typeof result !== 'object' || result === null) throw new ProtocolError(site, 'the conversation answer has no result');
  const { aasDone, aasMsg, aasType } = result as AasResult;
  if (typeof aasMsg !== 'string' || typeof aasDone !== 'boolean') {
    throw new ProtocolError(site, 'the conversation answer lacks aasMsg or aasDone', { deviceMessage: result });
  }
  const type = typeof aasType === 'string' ? aasType : '';
  const details = { deviceMessage: aasMsg };
  if (BAD_PASSWORD.test(aasMsg) || PAM_POLICY.test(aasMsg)) throw new PasswordRejectedError(site, 'policy', details);
  if (MISMATCH.test(aasMsg)) throw new PasswordRejectedError(site, 'mismatch', details);
  if (PAM_OWN_REASON.test(aasMsg)) throw new PasswordRejectedError(site, 'device-reason', details);
  if (WRONG_CURRENT.test(aasMsg)) throw new PasswordRejectedError(site, 'current-password', details);
  if (GENERIC_FAILURE.test(aasMsg)) throw new PasswordRejectedError(site, 'ambiguous', details);
  if (aasDone) {
    if (SUCCESS.test(aasMsg)) return { kind: 'done', text: aasMsg };
    throw new PasswordRejectedError(site, 'unknown', details);
  }
  // An info message asks nothing, whatever its words (a user name could be "old"); a question is read by meaning.
  if (INFO.test(type) && !QUESTION.test(type)) return { kind: 'acknowledge', text: aasMsg };
  if (CURRENT.test(aasMsg)) return { kind: 'current-password', text: aasMsg };
  if (RETYPE.test(aasMsg)) return { kind: 'retype-password', text: aasMsg };
  if (NEW.test(aasMsg)) return { kind: 'new-password', text: aasMsg };
  throw new ProtocolError(site, 'the device asked something this client does not recognise; not answering', details);
}

export class MPowerClient extends SessionDeviceClient<MPowerSession> {
  readonly vendor = 'multitech-mpower' as const;
  /** The conversation's requests: their own deadline when the device secret sets `conversation.stepTimeoutMs`. */
  private readonly conversationHttp: DeviceHttp;

  constructor(endpoint: DeviceEndpoint, options: ClientOptions = {}, conversationStepTimeoutMs?: number) {
    super(endpoint, options);
    this.conversationHttp =
      conversationStepTimeoutMs === undefined ? this.http : new DeviceHttp({ ...endpoint, requestTimeoutMs: conversationStepTimeoutMs }, { logger: { warn: () => undefined } });
  }

  /** Login, the whole conversation driven by the device's questions, logout (also after a failure). */
  async changePassword(change: PasswordChange): Promise<void> {
    const passwords = [change.currentPassword, change.newPassword];
    const session = await this.login({ username: change.username, password: change.currentPassword });
    try {
      let step = await this.openConversation(session, change.username, passwords);
      for (let answers = 0; step.prompt.kind !== 'done'; answers += 1) {
        if (answers >= MPOWER_MAX_ANSWERS) {
          const site = this.http.site({ step: `answer-${step.prompt.kind}`, secrets: [...passwords, session.token, step.aasId] });
          throw new ProtocolError(site, `the password conversation did not end within ${MPOWER_MAX_ANSWERS} answers`);
        }
        step = await this.answerPrompt(session, { ...change, aasId: step.aasId, prompt: step.prompt });
      }
    } finally {
      await this.logout(session, passwords);
    }
  }

  /**
   * One login request. Classified by the protocol, not by the parser: a lock named in the error envelope is
   * `AccountLockedError`; any other 401 is a refusal whatever its body (`"authorize failed. 2 attempts remaining."`);
   * anything else that is not a success (409 conflict or commissioning mode, 403, an unreadable answer) is a
   * `ProtocolError` of the login exchange: its outcome is unknown. A 409 is typed by what it says: commissioning mode
   * (`DeviceCommissioningError`) or a session bound to another address (`SessionBoundToAddressError`); either may have
   * cost a failed login for all we know (`loginCostOf`: unknown), and neither is retried.
   */
  async login(credentials: Credentials): Promise<MPowerSession> {
    const context: StepContext = { step: 'login', secrets: [credentials.password], login: true };
    const response = await this.http.request(context, {
      method: 'POST',
      path: MPOWER_PATHS.login,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: credentials.username, password: credentials.password }),
    });
    const answer = objectOf(quietJson(response)) as Envelope | undefined;
    const result = objectOf(answer?.result);
    const token = typeof result?.token === 'string' ? result.token : undefined;
    const site = this.http.site(withSecrets(context, token));
    if (response.status === 200 && answer?.status === 'success' && token !== undefined && token.length > 0) return { token };
    const error = typeof answer?.error === 'string' ? answer.error : '';
    const details = { httpStatus: response.status, deviceMessage: (error || response.body) || undefined };
    if ((response.status !== 200 || answer?.status === 'fail') && LOCKED.test(error)) throw new AccountLockedError(site, details);
    if (response.status === 401) throw new AuthenticationFailedError(site, details);
    if (response.status === 409) {
      throw COMMISSIONING.test(error || response.body) ? new DeviceCommissioningError(site, details) : new SessionBoundToAddressError(site, details);
    }
    if (answer === undefined) throw new ProtocolError(site, 'the device answered the login with something that is not JSON', details);
    throw new ProtocolError(site, 'unexpected answer to the login', details);
  }

  /** Best effort: a token left open expires on its own, so a failed logout fails nothing. */
  async logout(session: MPowerSession, secrets: readonly string[] = []): Promise<void> {
    const context: StepContext = { step: 'logout', secrets: [...secrets, session.token] };
    await this.http.request(context, { method: 'GET', path: this.withToken(MPOWER_PATHS.logout, session) }).catch(() => undefined);
  }

  /** Asks the device to start a password conversation for `username`; the first prompt is normally an info message. */
  async openConversation(session: MPowerSession, username: string, secrets: readonly string[] = []): Promise<ConversationStep> {
    const context: StepContext = { step: 'open-conversation', secrets: [...secrets, session.token] };
    const { result, site } = await this.command(session, context, { username });
    const aasId = (result as AasResult).aasID;
    if (typeof aasId !== 'string' || !AAS_ID.test(aasId)) {
      throw new ProtocolError(site, 'the device opened no password conversation (no usable aasID)', { deviceMessage: result });
    }
    const prompt = classifyPrompt(result, site);
    if (prompt.kind === 'done') throw new ProtocolError(site, 'the device reported success before any answer', { deviceMessage: prompt.text });
    return { aasId, prompt };
  }

  /**
   * Answers one prompt, chosen by its kind, and returns the next one. An acknowledgement (the answer to an info
   * message) carries the current password, exactly as the seed's walk-through does: PAM asks nothing at an info
   * message, so the answer is most likely discarded, but that walk-through is the only sequence known to work on a real
   * device, and the current password goes to the device in the very next answer anyway, so nothing more is exposed.
   *
   * The device may only move forward (acknowledge → current → new → retype → done); a question asked again, or a
   * success before the new password was sent, is a `ProtocolError`, and nothing further is answered.
   */
  async answerPrompt(session: MPowerSession, answer: PromptAnswer): Promise<ConversationStep> {
    const { prompt, aasId } = answer;
    const context: StepContext = {
      step: `answer-${prompt.kind}`,
      secrets: [answer.currentPassword, answer.newPassword, session.token, aasId],
    };
    const value = answerFor(prompt.kind, answer);
    if (value === undefined) throw new ProtocolError(this.http.site(context), 'the conversation is over; there is nothing to answer');
    const { result, site } = await this.command(session, context, { username: answer.username, aasID: aasId, aasAnswer: value }, aasId);
    const returned = (result as AasResult).aasID;
    if (returned !== undefined && returned !== aasId) {
      throw new ProtocolError(site, 'the device answered for another password conversation (aasID differs)');
    }
    const next = classifyPrompt(result, site);
    const forward = RANK[next.kind] > RANK[prompt.kind] || (prompt.kind === 'acknowledge' && next.kind === 'acknowledge');
    if (!forward) {
      throw new ProtocolError(site, `the device asked for "${next.kind}" again after the "${prompt.kind}" answer; not answering again`, {
        deviceMessage: next.text,
      });
    }
    if (next.kind === 'done' && RANK[prompt.kind] < RANK['new-password']) {
      throw new ProtocolError(site, 'the device reported success before it was given the new password', { deviceMessage: next.text });
    }
    return { aasId, prompt: next };
  }

  /** One `/api/command/passwd` request with a JSON body; returns the `result` of a success envelope. */
  private async command(
    session: MPowerSession,
    context: StepContext,
    data: Record<string, string>,
    aasIdSent?: string,
  ): Promise<{ result: object; site: ErrorSite }> {
    const response = await this.conversationHttp.request(context, {
      method: 'POST',
      path: this.withToken(MPOWER_PATHS.passwd, session),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(data),
    });
    let site = this.http.site(context);
    if (response.status === 401) throw new SessionExpiredError(site, 'session', { httpStatus: 401, deviceMessage: errorOf(response) });
    if (response.status === 409) throw new SessionBoundToAddressError(site, { httpStatus: 409, deviceMessage: errorOf(response) });
    const answer = parseJson(site, response) as Envelope;
    const result = objectOf(answer.result);
    const aasId = result?.aasID;
    site = this.http.site(withSecrets(context, typeof aasId === 'string' ? aasId : undefined));
    if (response.status === 200 && answer.status === 'success' && result !== undefined) return { result, site };
    const details = { httpStatus: response.status, deviceMessage: answer.error ?? response.body };
    const error = String(answer.error ?? '');
    if (answer.status === 'fail') {
      if (aasIdSent !== undefined && DEAD_AASID.test(error) && DEAD_WORDS.test(error)) throw new SessionExpiredError(site, 'conversation', details);
      if (response.status === 403) throw new PasswordRejectedError(site, 'unknown', details);
    }
    throw new ProtocolError(site, 'unexpected answer to the password command', details);
  }

  private withToken(path: string, session: MPowerSession): string {
    return `${path}?token=${encodeURIComponent(session.token)}`;
  }
}

function answerFor(kind: PromptKind, answer: PromptAnswer): string | undefined {
  switch (kind) {
    case 'acknowledge':
    case 'current-password':
      return answer.currentPassword;
    case 'new-password':
    case 'retype-password':
      return answer.newPassword;
    case 'done':
      return undefined;
  }
}

function withSecrets(context: StepContext, ...extra: Array<string | undefined>): StepContext {
  const found = extra.filter((s): s is string => s !== undefined && s.length > 0);
  return { ...context, secrets: [...context.secrets, ...found] };
}

function objectOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function quietJson(response: DeviceResponse): unknown {
  try {
    return JSON.parse(response.body) as unknown;
  } catch {
    return undefined;
  }
}

function errorOf(response: DeviceResponse): string {
  try {
    const answer = JSON.parse(response.body) as Envelope;
    return String(answer.error ?? response.body);
  } catch {
    return response.body;
  }
}

/** This vendor's client for a device (`VendorModule.clientModule`). */
export function createClient(endpoint: DeviceEndpoint, options: ClientOptions = {}, secret?: DeviceSecret): MPowerClient {
  return new MPowerClient(endpoint, options, secret?.conversation?.stepTimeoutMs);
}

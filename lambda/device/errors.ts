import { RotatorError } from '../errors';
import type { Vendor } from './types';
import { vendorModule } from '../vendors';

/**
 * Where an error happened. `secrets` are the values in play for this step (passwords, session token, aasID):
 * they are used to scrub any text a device sent back, and are never kept on the error.
 * `login` is true on the request(s) of a login exchange (the request whose answer says whether the credentials were
 * accepted): an error there may say something of the login's outcome (see `loginCostOf` in `outcome.ts`).
 */
export interface ErrorSite {
  readonly vendor: Vendor;
  readonly host: string;
  readonly port: number;
  readonly step: string;
  readonly secrets?: readonly string[];
  readonly login?: boolean;
}

/** How messages name a vendor (`VendorModule.label`). */
export function vendorLabel(vendor: Vendor): string {
  return vendorModule(vendor).label;
}

/** Characters of a device's text quoted in a message, at most. */
export const MAX_DEVICE_TEXT = 200;
const REDACTED = '[REDACTED]';
/** A secret shorter than this cannot be told from ordinary text: a device text is then withheld, not scrubbed. */
export const MIN_SCRUBBABLE_SECRET = 3;
/** What stands for a device's text when a secret in play is too short to scrub safely. */
export const WITHHELD_TEXT = '[device text withheld]';
/** The shortest piece of a secret (at the edge of a cut text) that is removed. */
const MIN_PARTIAL = 3;

/**
 * Every form a secret can take on the wire: as is; base64 whole (as some APIs send passwords) and at each of the three byte alignments it can
 * have inside a longer base64 text (a Basic-auth header holds base64 of `user:password`); URL-encoded (query strings,
 * with lower-case escapes too); form-encoded (`+` for spaces, as `URLSearchParams` writes it); JSON-escaped; HTML-escaped.
 */
export function secretForms(secret: string): string[] {
  if (secret.length === 0) return [];
  const bytes = Buffer.from(secret, 'utf8');
  const forms = new Set<string>([secret, bytes.toString('base64')]);
  for (let offset = 0; offset < 3; offset += 1) {
    // base64 of the secret preceded by `offset` bytes: keep only the characters made of the secret's bits alone.
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const first = Math.ceil((8 * offset) / 6);
    const last = Math.floor((8 * (offset + bytes.length)) / 6);
    forms.add(encoded.slice(first, last));
  }
  const uri = encodeURIComponent(secret);
  const form = new URLSearchParams({ v: secret }).toString().slice(2);
  for (const escaped of [uri, uri.replace(/%20/g, '+'), form]) {
    forms.add(escaped);
    forms.add(escaped.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()));
  }
  forms.add(JSON.stringify(secret).slice(1, -1));
  const html = secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  forms.add(html);
  forms.add(html.replace(/'/g, '&#39;'));
  forms.add(html.replace(/'/g, '&#x27;'));
  return [...forms].filter((f) => f.length >= MIN_SCRUBBABLE_SECRET);
}

/** True when a secret in play is too short to be scrubbed safely from a text: such a text must be withheld. */
export function hasUnscrubbableSecret(secrets: readonly string[] = []): boolean {
  return secrets.some((s) => s.length > 0 && s.length < MIN_SCRUBBABLE_SECRET);
}

/**
 * Removes every known secret from a text that came from outside (a device answer, a library error): every form of
 * every secret, and a piece of one (3 characters or more) that a cut left at the start or the end of the text.
 * Secrets too short to scrub are not looked for here: callers withhold the text instead (`deviceText` does).
 */
export function scrub(text: string, secrets: readonly string[] = []): string {
  const forms = formsOf(secrets);
  let clean = text;
  // Longest first, so that a secret containing another is removed whole.
  for (const form of forms) clean = clean.split(form).join(REDACTED);
  return trimPartials(clean, forms, true);
}

function formsOf(secrets: readonly string[]): string[] {
  return [...new Set(secrets.filter((s) => s.length >= MIN_SCRUBBABLE_SECRET).flatMap(secretForms))].sort((a, b) => b.length - a.length);
}

/**
 * Redacts (or, at a cut of ours, drops) a secret's prefix ending the text, and a secret's suffix starting it (3
 * characters or more). Redacting is done once per edge (the marker could itself end like a secret); dropping repeats
 * until the text ends on no piece of a secret (each round shortens it).
 */
function trimPartials(text: string, forms: readonly string[], redact: boolean, start = true): string {
  const longest = (matches: (form: string, length: number) => boolean, within: string): number => {
    let best = 0;
    for (const form of forms) {
      for (let length = Math.min(form.length - 1, within.length); length >= MIN_PARTIAL && length > best; length -= 1) {
        if (matches(form, length)) {
          best = length;
          break;
        }
      }
    }
    return best;
  };
  let clean = text;
  for (let cut = -1; cut !== 0; ) {
    const current = clean;
    cut = longest((form, length) => current.endsWith(form.slice(0, length)), current);
    if (cut > 0) clean = current.slice(0, current.length - cut) + (redact ? REDACTED : '');
    if (redact) break;
  }
  if (start) {
    const current = clean;
    const cut = longest((form, length) => current.startsWith(form.slice(form.length - length)), current);
    if (cut > 0) clean = (redact ? REDACTED : '') + current.slice(cut);
  }
  return clean;
}

/**
 * A device's own words, made safe to put in a message: scrubbed, one line, bounded. The text is cut only after it was
 * scrubbed, and a cut never ends on a piece of a secret. When a secret in play is too short to scrub, the text is withheld.
 */
export function deviceText(raw: unknown, secrets: readonly string[] = []): string {
  if (hasUnscrubbableSecret(secrets)) return WITHHELD_TEXT;
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw) ?? String(raw);
  // Scrubbed before and after the white space is folded: folding could join the pieces of a secret.
  const oneLine = scrub(scrub(text, secrets).replace(/\s+/g, ' ').trim(), secrets);
  if (oneLine.length <= MAX_DEVICE_TEXT) return oneLine;
  return `${trimPartials(oneLine.slice(0, MAX_DEVICE_TEXT), formsOf(secrets), false, false)}…`;
}

export interface DeviceErrorDetails {
  /** Text the device sent, quoted in the message after scrubbing. */
  readonly deviceMessage?: unknown;
  /** HTTP status of the answer, when there was one. */
  readonly httpStatus?: number;
  /** A lower-level error (socket, TLS). Only non-secret errors are passed here. */
  readonly cause?: Error;
}

/**
 * Base of every error the device layer throws. The message always names vendor, device and step, e.g.
 * `<vendor label> 10.0.0.1:443, step "change-password": the device rejected the new password (policy): "…"`.
 * `name` is the error type Step Functions sees, so states can catch and retry by it: each class spells it out in its
 * `static readonly errorName` (bundlers may rename classes, and Step Functions matches errors by this string).
 * `step` is the device step; a device error carries no `secretArn` (the task that ran it names the secret).
 */
export abstract class DeviceError extends RotatorError {
  readonly vendor: Vendor;
  readonly host: string;
  readonly port: number;
  override readonly step: string;
  readonly httpStatus?: number;
  /**
   * True when the error came from a login exchange (the site said `login: true`). An error with `duringLogin` false,
   * thrown after a login, proves that login was accepted; with `duringLogin` true, what it means for the login is
   * `loginCostOf` (outcome.ts): refused, locked, never sent, or unknown.
   */
  readonly duringLogin: boolean;
  /** Whether trying the same call again later can help. Never true for a refused password or login. */
  abstract readonly retryable: boolean;

  protected constructor(site: ErrorSite, summary: string, details: DeviceErrorDetails = {}) {
    const quoted = details.deviceMessage === undefined ? '' : `: "${deviceText(details.deviceMessage, site.secrets)}"`;
    const status = details.httpStatus === undefined ? '' : ` (HTTP ${details.httpStatus})`;
    const message = `${vendorLabel(site.vendor)} ${site.host}:${site.port}, step "${site.step}": ${summary}${status}${quoted}`;
    super(scrubWhole(message, site.secrets), { step: site.step, cause: details.cause ? scrubError(details.cause, site.secrets) : undefined });
    this.vendor = site.vendor;
    this.host = site.host;
    this.port = site.port;
    this.step = site.step;
    this.duringLogin = site.login === true;
    if (details.httpStatus !== undefined) this.httpStatus = details.httpStatus;
  }

  /** A plain, JSON-safe description (no stack), for logs and state output. */
  override toJSON(): Record<string, unknown> {
    return { name: this.name, message: this.message, vendor: this.vendor, host: this.host, port: this.port, step: this.step, retryable: this.retryable };
  }
}

/** Every form of every secret removed, without looking at the edges: for a message this module composed. */
function scrubWhole(text: string, secrets: readonly string[] = []): string {
  let clean = text;
  for (const form of formsOf(secrets)) clean = clean.split(form).join(REDACTED);
  return clean;
}

/** A copy of a lower-level error whose message and stack hold no secret (withheld when a secret is too short to scrub). */
function scrubError(error: Error, secrets: readonly string[] = []): Error {
  const withheld = hasUnscrubbableSecret(secrets);
  const copy = new Error(withheld ? WITHHELD_TEXT : scrub(error.message, secrets));
  copy.name = error.name;
  copy.stack = withheld ? `${error.name}: ${WITHHELD_TEXT}` : scrub(error.stack ?? '', secrets);
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined) (copy as NodeJS.ErrnoException).code = code;
  return copy;
}

/** The device answered and refused the credentials. Retrying them only brings a lockout closer. */
export class AuthenticationFailedError extends DeviceError {
  static override readonly errorName = 'AuthenticationFailedError';
  readonly retryable = false;
  constructor(site: ErrorSite, details?: DeviceErrorDetails) {
    super(site, 'the device rejected the credentials', details);
  }
}

/** The device says the account is locked (too many failed logins, or locked by an administrator). */
export class AccountLockedError extends DeviceError {
  static override readonly errorName = 'AccountLockedError';
  readonly retryable = false;
  constructor(site: ErrorSite, details?: DeviceErrorDetails) {
    super(site, 'the account is locked on the device', details);
  }
}

/**
 * Why a password change was refused.
 * - `policy`: the new password breaks the device's password policy.
 * - `current-password`: the device says the current password given is wrong.
 * - `policy-or-current-password`: the device's answer does not say which; a login check tells.
 * - `mismatch`: the device says the new password and its confirmation differ.
 * - `ambiguous`: refused with a generic final status that follows a wrong current password, a refused new password
 *   and a mismatch alike (PAM's "Authentication token manipulation error"): the device's words are quoted, no guess.
 * - `device-reason`: refused for a reason of the device's own that is none of the above (e.g. "You must wait longer
 *   to change your password"): quoted.
 * - `unknown`: refused, for a reason the device's answer does not name.
 */
export type PasswordRejection = 'policy' | 'current-password' | 'policy-or-current-password' | 'mismatch' | 'ambiguous' | 'device-reason' | 'unknown';

const REJECTION_SUMMARIES: Record<PasswordRejection, string> = {
  policy: 'the device rejected the new password (password policy)',
  'current-password': 'the device rejected the change: the current password given is wrong',
  'policy-or-current-password':
    'the device rejected the change, and its answer does not say whether the current password was wrong or the new one breaks its policy; a login with the current password tells which',
  mismatch: 'the device rejected the change: new password and confirmation differ',
  ambiguous:
    "the device rejected the change with PAM's generic final status, which follows a wrong current password, a refused new password or a mismatch alike; its answer does not say which",
  'device-reason': 'the device rejected the change for a reason of its own (quoted)',
  unknown: 'the device rejected the password change',
};

/** The device refused the change. The same request must not be sent again. */
export class PasswordRejectedError extends DeviceError {
  static override readonly errorName = 'PasswordRejectedError';
  readonly retryable = false;
  readonly reason: PasswordRejection;
  constructor(site: ErrorSite, reason: PasswordRejection, details?: DeviceErrorDetails) {
    super(site, REJECTION_SUMMARIES[reason], details);
    this.reason = reason;
  }
}

/** A session (token, cookie) or a password conversation (its id) is no longer valid: start again from login. */
export class SessionExpiredError extends DeviceError {
  static override readonly errorName = 'SessionExpiredError';
  readonly retryable = true;
  readonly scope: 'session' | 'conversation';
  constructor(site: ErrorSite, scope: 'session' | 'conversation', details?: DeviceErrorDetails) {
    super(site, scope === 'session' ? 'the device session has expired' : 'the password conversation (aasID) has expired', details);
    this.scope = scope;
  }
}

/**
 * The device could not be reached, did not answer in time, or failed (HTTP 5xx).
 * `requestSent` is false when the device certainly did not get the request (so it cannot have acted on it);
 * when true, a change may or may not have happened: find out by logging in before doing anything else.
 */
export class DeviceUnreachableError extends DeviceError {
  static override readonly errorName = 'DeviceUnreachableError';
  readonly retryable = true;
  readonly requestSent: boolean;
  constructor(site: ErrorSite, what: string, requestSent: boolean, details?: DeviceErrorDetails) {
    super(site, what, details);
    this.requestSent = requestSent;
  }
}

/** The account logged in, but may not do what was asked (e.g. a non-admin setting another user's password). */
export class InsufficientPrivilegeError extends DeviceError {
  static override readonly errorName = 'InsufficientPrivilegeError';
  readonly retryable = false;
  constructor(site: ErrorSite, what: string, details?: DeviceErrorDetails) {
    super(site, what, details);
  }
}

/** The device answered something this client does not understand. Fail closed: nothing further is sent. */
export class ProtocolError extends DeviceError {
  static override readonly errorName = 'ProtocolError';
  readonly retryable = false;
  constructor(site: ErrorSite, what: string, details?: DeviceErrorDetails) {
    super(site, what, details);
  }
}

/**
 * The device refused because a session of this user is bound to another client address (HTTP 409 conflict): devices
 * that bind a session to the address it came from refuse a login, or a session's use, from another one. The
 * rotation's requests must all leave from one egress address (README "Device secret format", `singleEgressSubnets`),
 * and no other session of the user may be open elsewhere. Not retried: the same request from the same place gets the
 * same answer.
 */
export class SessionBoundToAddressError extends DeviceError {
  static override readonly errorName = 'SessionBoundToAddressError';
  readonly retryable = false;
  constructor(site: ErrorSite, details?: DeviceErrorDetails) {
    super(
      site,
      'the device refused: a session of this user is bound to another client address (conflict). Send every request of a rotation from one egress address (construct option singleEgressSubnets) and close the user\'s other sessions, then rotate again',
      details,
    );
  }
}

/** The device is new or factory-reset and refuses logins until it is commissioned (its first user set up). */
export class DeviceCommissioningError extends DeviceError {
  static override readonly errorName = 'DeviceCommissioningError';
  readonly retryable = false;
  constructor(site: ErrorSite, details?: DeviceErrorDetails) {
    super(site, 'the device is in commissioning mode and refuses logins until it is set up: commission it, then verify and rotate', details);
  }
}

/** The device's certificate is not the pinned one, or not trusted. No request byte was sent. */
export class TlsVerificationError extends DeviceError {
  static override readonly errorName = 'TlsVerificationError';
  readonly retryable = false;
  constructor(site: ErrorSite, what: string, details?: DeviceErrorDetails) {
    super(site, `TLS verification failed: ${what}; no request was sent`, details);
  }
}

import type { Vendor } from './types';

/**
 * Where an error happened. `secrets` are the values in play for this step (passwords, session token, aasID):
 * they are used to scrub any text a device sent back, and are never kept on the error.
 */
export interface ErrorSite {
  readonly vendor: Vendor;
  readonly host: string;
  readonly port: number;
  readonly step: string;
  readonly secrets?: readonly string[];
}

const VENDOR_LABELS: Record<Vendor, string> = {
  'multitech-mpower': 'MultiTech mPower',
  'wso2-emm': 'WSO2 EMM',
  'oracle-sdwan-edge': 'Oracle SD-WAN Edge',
  'oracle-unified-assurance': 'Oracle Unified Assurance',
};

export function vendorLabel(vendor: Vendor): string {
  return VENDOR_LABELS[vendor];
}

const MAX_DEVICE_TEXT = 200;
const REDACTED = '[REDACTED]';

/** Every form a secret can take on the wire: as is, base64 (WSO2), URL-encoded (query strings). */
export function secretForms(secret: string): string[] {
  const forms = [secret, Buffer.from(secret, 'utf8').toString('base64'), encodeURIComponent(secret)];
  return forms.filter((form) => form.length >= 3);
}

/** Removes every known secret from a text that came from outside (a device answer, a library error). */
export function scrub(text: string, secrets: readonly string[] = []): string {
  let clean = text;
  const forms = secrets.filter((s) => s.length > 0).flatMap(secretForms);
  // Longest first, so that a secret containing another is removed whole.
  for (const form of forms.sort((a, b) => b.length - a.length)) {
    clean = clean.split(form).join(REDACTED);
  }
  return clean;
}

/** A device's own words, made safe to put in a message: scrubbed, one line, bounded. */
export function deviceText(raw: unknown, secrets: readonly string[] = []): string {
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw) ?? String(raw);
  const oneLine = scrub(text, secrets).replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_DEVICE_TEXT ? `${oneLine.slice(0, MAX_DEVICE_TEXT)}…` : oneLine;
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
 * `Oracle SD-WAN Edge 10.0.0.1:443, step "change-password": the device rejected the new password (policy): "…"`.
 * `name` is the error type Step Functions sees, so states can catch and retry by it.
 */
export abstract class DeviceError extends Error {
  /** Spelled out in each class: bundlers minify class names, and Step Functions matches errors by this string. */
  abstract override readonly name: string;
  readonly vendor: Vendor;
  readonly host: string;
  readonly port: number;
  readonly step: string;
  readonly httpStatus?: number;
  /** Whether trying the same call again later can help. Never true for a refused password or login. */
  abstract readonly retryable: boolean;

  protected constructor(site: ErrorSite, summary: string, details: DeviceErrorDetails = {}) {
    const quoted = details.deviceMessage === undefined ? '' : `: "${deviceText(details.deviceMessage, site.secrets)}"`;
    const status = details.httpStatus === undefined ? '' : ` (HTTP ${details.httpStatus})`;
    const message = `${vendorLabel(site.vendor)} ${site.host}:${site.port}, step "${site.step}": ${summary}${status}${quoted}`;
    super(scrub(message, site.secrets), details.cause ? { cause: scrubError(details.cause, site.secrets) } : undefined);
    this.vendor = site.vendor;
    this.host = site.host;
    this.port = site.port;
    this.step = site.step;
    if (details.httpStatus !== undefined) this.httpStatus = details.httpStatus;
  }

  /** A plain, JSON-safe description (no stack), for logs and state output. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, message: this.message, vendor: this.vendor, host: this.host, port: this.port, step: this.step, retryable: this.retryable };
  }
}

/** A copy of a lower-level error whose message and stack hold no secret. */
function scrubError(error: Error, secrets: readonly string[] = []): Error {
  const copy = new Error(scrub(error.message, secrets));
  copy.name = error.name;
  copy.stack = scrub(error.stack ?? '', secrets);
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined) (copy as NodeJS.ErrnoException).code = code;
  return copy;
}

/** The device answered and refused the credentials. Retrying them only brings a lockout closer. */
export class AuthenticationFailedError extends DeviceError {
  override readonly name = 'AuthenticationFailedError';
  readonly retryable = false;
  constructor(site: ErrorSite, details?: DeviceErrorDetails) {
    super(site, 'the device rejected the credentials', details);
  }
}

/** The device says the account is locked (too many failed logins, or locked by an administrator). */
export class AccountLockedError extends DeviceError {
  override readonly name = 'AccountLockedError';
  readonly retryable = false;
  constructor(site: ErrorSite, details?: DeviceErrorDetails) {
    super(site, 'the account is locked on the device', details);
  }
}

/**
 * Why a password change was refused.
 * - `policy`: the new password breaks the device's password policy.
 * - `current-password`: the device says the current password given is wrong.
 * - `policy-or-current-password`: the device's answer does not say which (WSO2 EMM 2.0.x); a login check tells.
 * - `mismatch`: the device says the new password and its confirmation differ.
 * - `unknown`: refused, for a reason the device's answer does not name.
 */
export type PasswordRejection = 'policy' | 'current-password' | 'policy-or-current-password' | 'mismatch' | 'unknown';

const REJECTION_SUMMARIES: Record<PasswordRejection, string> = {
  policy: 'the device rejected the new password (password policy)',
  'current-password': 'the device rejected the change: the current password given is wrong',
  'policy-or-current-password':
    'the device rejected the change, and its answer does not say whether the current password was wrong or the new one breaks its policy; a login with the current password tells which',
  mismatch: 'the device rejected the change: new password and confirmation differ',
  unknown: 'the device rejected the password change',
};

/** The device refused the change. The same request must not be sent again. */
export class PasswordRejectedError extends DeviceError {
  override readonly name = 'PasswordRejectedError';
  readonly retryable = false;
  readonly reason: PasswordRejection;
  constructor(site: ErrorSite, reason: PasswordRejection, details?: DeviceErrorDetails) {
    super(site, REJECTION_SUMMARIES[reason], details);
    this.reason = reason;
  }
}

/** A session (token, cookie) or an mPower password conversation (`aasID`) is no longer valid: start again from login. */
export class SessionExpiredError extends DeviceError {
  override readonly name = 'SessionExpiredError';
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
  override readonly name = 'DeviceUnreachableError';
  readonly retryable = true;
  readonly requestSent: boolean;
  constructor(site: ErrorSite, what: string, requestSent: boolean, details?: DeviceErrorDetails) {
    super(site, what, details);
    this.requestSent = requestSent;
  }
}

/** The account logged in, but may not do what was asked (e.g. a non-admin setting another user's password). */
export class InsufficientPrivilegeError extends DeviceError {
  override readonly name = 'InsufficientPrivilegeError';
  readonly retryable = false;
  constructor(site: ErrorSite, what: string, details?: DeviceErrorDetails) {
    super(site, what, details);
  }
}

/** The device answered something this client does not understand. Fail closed: nothing further is sent. */
export class ProtocolError extends DeviceError {
  override readonly name = 'ProtocolError';
  readonly retryable = false;
  constructor(site: ErrorSite, what: string, details?: DeviceErrorDetails) {
    super(site, what, details);
  }
}

/** The device's certificate is not the pinned one, or not trusted. No request byte was sent. */
export class TlsVerificationError extends DeviceError {
  override readonly name = 'TlsVerificationError';
  readonly retryable = false;
  constructor(site: ErrorSite, what: string, details?: DeviceErrorDetails) {
    super(site, `TLS verification failed: ${what}; no request was sent`, details);
  }
}

import type {
  AccountLockedError,
  AuthenticationFailedError,
  DeviceError,
} from './errors';

/** The vendors this project rotates: one list, in `lambda/vendors/index.ts`. */
export { VENDORS, type Vendor } from '../vendors';
import type { Vendor } from '../vendors';

/** How to trust a device's TLS certificate. Verification is on unless `insecureSkipVerify` says otherwise. */
export interface TlsSettings {
  /** PEM of the device's own certificate or of the CA that issued it; replaces the public CAs for this device. */
  readonly caCertificate?: string;
  /** SHA-256 fingerprint of the device certificate (hex, with or without colons), checked before any request byte is sent. */
  readonly certificateSha256?: string;
  /** Name to check the certificate against (and send as SNI) when it differs from `host`. */
  readonly serverName?: string;
  /** Turns certificate verification off for this device. Logged as a warning on every use. Default: false. */
  readonly insecureSkipVerify?: boolean;
}

/** Where a device is and how to reach it. Carries no credentials. */
export interface DeviceEndpoint {
  readonly vendor: Vendor;
  readonly host: string;
  /** Default: 443. */
  readonly port?: number;
  readonly tls?: TlsSettings;
  /** Deadline for one HTTP request, connection and TLS handshake included. Default: 10 000 ms. */
  readonly requestTimeoutMs?: number;
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** A user changing its own password: the device is told the current one. */
export interface PasswordChange {
  readonly username: string;
  readonly currentPassword: string;
  readonly newPassword: string;
}

/** A privileged account setting another account's password, without that account's current password. */
export interface PasswordReset {
  readonly admin: Credentials;
  readonly username: string;
  readonly newPassword: string;
}

/**
 * What a login attempt told us. A rejected login is an answer, not a failure of the client:
 * the caller decides what it means (e.g. "this stored version is not the one on the device").
 */
export type LoginOutcome =
  | { readonly status: 'accepted' }
  /** The device answered and refused these credentials. Never retry them. */
  | { readonly status: 'rejected'; readonly error: AuthenticationFailedError }
  /** The device says the account is locked. Nothing logs in until it unlocks. */
  | { readonly status: 'locked'; readonly error: AccountLockedError }
  /**
   * The login certainly cost nothing: it was never sent (no connection, TLS refused, a failure before the login
   * exchange). Says nothing of the password.
   */
  | { readonly status: 'unavailable'; readonly error: DeviceError }
  /**
   * The login was sent but its answer could not be classified (timed out, connection lost, 5xx, an ambiguous status,
   * an unreadable answer): it may have cost a failed login. Says nothing of the password.
   */
  | { readonly status: 'unknown'; readonly error: DeviceError };

/**
 * The small interface every vendor implements. A client is bound to one device endpoint.
 * Methods throw the typed errors of `errors.ts`; `verifyLogin` instead reports the outcome.
 */
export interface DeviceClient {
  readonly vendor: Vendor;
  readonly endpoint: DeviceEndpoint;
  /** Logs in with these credentials (and out again). Exactly one login attempt on the device. */
  verifyLogin(credentials: Credentials): Promise<LoginOutcome>;
  /** Changes a user's own password, logging in with the current one. One login attempt at most. */
  changePassword(change: PasswordChange): Promise<void>;
  /** Present on vendors whose API lets an admin set another user's password. */
  resetPassword?(reset: PasswordReset): Promise<void>;
}

/** Something that can take a warning. Powertools' Logger fits; so does a test spy. */
export interface WarningLogger {
  warn(message: string, extra: Record<string, unknown>): void;
}

export interface ClientOptions {
  /** Where TLS downgrade warnings go. Default: a Powertools Logger. */
  readonly logger?: WarningLogger;
}

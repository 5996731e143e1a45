import { AuthenticationFailedError, type DeviceError, DeviceUnreachableError, type ErrorSite } from '../../lambda/device/errors';
import type { Credentials, DeviceClient, DeviceEndpoint, LoginOutcome, PasswordChange, PasswordReset, Vendor } from '../../lambda/device/types';

/**
 * A DeviceClient for unit tests: one device that holds a password per account and answers as a device would (a login
 * with the right password is accepted, any other refused; a change needs the right current password), unless the
 * script says otherwise for the next call of an operation. Every call is recorded, passwords included (tests compare
 * them with the stored versions; nothing here is logged).
 */
export type DeviceOperation = 'verifyLogin' | 'changePassword' | 'resetPassword';

export interface DeviceCall {
  readonly operation: DeviceOperation;
  readonly username: string;
  /** The password sent to log in (for a reset, the admin's). */
  readonly password: string;
  readonly newPassword?: string;
  /** For a reset: the account whose password is set. */
  readonly target?: string;
}

/** What the next call of an operation does instead of the device's own answer. */
export type Scripted =
  | { readonly kind: 'accept' }
  | { readonly kind: 'reject' }
  /** A login sent, no usable answer (timed out after sending). */
  | { readonly kind: 'login-unknown' }
  /** Never sent (connection refused): costs nothing. */
  | { readonly kind: 'login-unreachable' }
  /** The change (or reset) lands on the device but its answer is lost. */
  | { readonly kind: 'answer-lost' }
  /** The change is not sent at all (after the login was accepted). */
  | { readonly kind: 'change-not-sent' }
  /** Any error, thrown as is (e.g. a PasswordRejectedError). `applies`: whether the change landed anyway. */
  | { readonly kind: 'throw'; readonly error: (site: ErrorSite) => DeviceError; readonly applies?: boolean };

export interface FakeDeviceOptions {
  readonly vendor?: Vendor;
  readonly host?: string;
  readonly port?: number;
  /** Whether the client has `resetPassword` (an admin setting another user's password). Default: false. */
  readonly canReset?: boolean;
  /** Runs at the start of every call, before the device answers (e.g. to look at the ledger at that moment). */
  readonly onCall?: (call: DeviceCall) => Promise<void> | void;
}

export class FakeDevice {
  readonly vendor: Vendor;
  readonly host: string;
  readonly port: number;
  readonly calls: DeviceCall[] = [];
  readonly passwords = new Map<string, string>();
  private readonly script = new Map<DeviceOperation, Scripted[]>();
  /** The endpoints (with TLS settings) each client was made for, in order. */
  readonly clientsMadeFor: DeviceEndpoint[] = [];

  constructor(private readonly options: FakeDeviceOptions = {}) {
    this.vendor = options.vendor ?? 'oracle-sdwan-edge';
    this.host = options.host ?? 'edge-1.example.net';
    this.port = options.port ?? 443;
  }

  /** The account `username` holds `password` on the device. */
  holds(username: string, password: string): this {
    this.passwords.set(username, password);
    return this;
  }

  /** The next call(s) of `operation` do this, in order, instead of the device's own answer. */
  next(operation: DeviceOperation, ...steps: Scripted[]): this {
    this.script.set(operation, [...(this.script.get(operation) ?? []), ...steps]);
    return this;
  }

  /** Calls sent to the device, of one operation or all. */
  sent(operation?: DeviceOperation): DeviceCall[] {
    return operation === undefined ? [...this.calls] : this.calls.filter((call) => call.operation === operation);
  }

  /** A client for an endpoint: a `ClientFactory`. */
  client(endpoint: DeviceEndpoint): DeviceClient {
    this.clientsMadeFor.push(endpoint);
    const device = this;
    const client: DeviceClient = {
      vendor: endpoint.vendor,
      endpoint,
      verifyLogin: (credentials) => device.verifyLogin(endpoint, credentials),
      changePassword: (change) => device.changePassword(endpoint, change),
    };
    if (this.options.canReset === true) return { ...client, resetPassword: (reset: PasswordReset) => device.resetPassword(endpoint, reset) };
    return client;
  }

  site(endpoint: DeviceEndpoint, step: string, login: boolean): ErrorSite {
    return { vendor: endpoint.vendor, host: endpoint.host, port: endpoint.port ?? 443, step, login };
  }

  private async record(call: DeviceCall): Promise<Scripted | undefined> {
    this.calls.push(call);
    await this.options.onCall?.(call);
    return this.script.get(call.operation)?.shift();
  }

  private async verifyLogin(endpoint: DeviceEndpoint, credentials: Credentials): Promise<LoginOutcome> {
    const scripted = await this.record({ operation: 'verifyLogin', username: credentials.username, password: credentials.password });
    const site = this.site(endpoint, 'login', true);
    switch (scripted?.kind) {
      case 'accept':
        return { status: 'accepted' };
      case 'reject':
        return { status: 'rejected', error: new AuthenticationFailedError(site) };
      case 'login-unknown':
        return { status: 'unknown', error: new DeviceUnreachableError(site, 'no answer within the request deadline', true) };
      case 'login-unreachable':
        return { status: 'unavailable', error: new DeviceUnreachableError(site, 'connection refused', false) };
      case 'throw':
        throw scripted.error(site);
      default:
        return this.passwords.get(credentials.username) === credentials.password
          ? { status: 'accepted' }
          : { status: 'rejected', error: new AuthenticationFailedError(site) };
    }
  }

  private async changePassword(endpoint: DeviceEndpoint, change: PasswordChange): Promise<void> {
    const scripted = await this.record({ operation: 'changePassword', username: change.username, password: change.currentPassword, newPassword: change.newPassword });
    const login = this.site(endpoint, 'login', true);
    const step = this.site(endpoint, 'change-password', false);
    if (scripted?.kind === 'login-unknown') throw new DeviceUnreachableError(login, 'no answer within the request deadline', true);
    if (scripted?.kind === 'login-unreachable') throw new DeviceUnreachableError(login, 'connection refused', false);
    if (scripted?.kind === 'reject' || (scripted?.kind !== 'accept' && this.passwords.get(change.username) !== change.currentPassword)) {
      throw new AuthenticationFailedError(login);
    }
    if (scripted?.kind === 'change-not-sent') throw new DeviceUnreachableError(step, 'connection reset before the change was sent', false);
    if (scripted?.kind === 'throw') {
      if (scripted.applies === true) this.passwords.set(change.username, change.newPassword);
      throw scripted.error(step);
    }
    this.passwords.set(change.username, change.newPassword);
    if (scripted?.kind === 'answer-lost') throw new DeviceUnreachableError(step, 'no answer within the request deadline', true);
  }

  private async resetPassword(endpoint: DeviceEndpoint, reset: PasswordReset): Promise<void> {
    const scripted = await this.record({
      operation: 'resetPassword',
      username: reset.admin.username,
      password: reset.admin.password,
      newPassword: reset.newPassword,
      target: reset.username,
    });
    if (scripted?.kind === 'throw') throw scripted.error(this.site(endpoint, 'reset-password', false));
    if (this.passwords.get(reset.admin.username) !== reset.admin.password) throw new AuthenticationFailedError(this.site(endpoint, 'login', true));
    this.passwords.set(reset.username, reset.newPassword);
    if (scripted?.kind === 'answer-lost') throw new DeviceUnreachableError(this.site(endpoint, 'reset-password', false), 'no answer within the request deadline', true);
  }
}

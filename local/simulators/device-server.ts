import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Vendor } from '../../lambda/device/types';
import { AccountStore, type AccountSnapshot, consecutiveLockout, type LockoutPolicy, type SimulatedUser } from './accounts';
import { type DeviceCertificate, makeSelfSignedCertificate } from './certificate';
import { type Fault, type FaultKind, FaultPlan, type FaultRule } from './faults';
import type { PasswordPolicy } from './password-policy';
import { type DeviceEndpoint, SharedDeviceListener } from './shared-listener';

/** What every simulator accepts. Vendor simulators add their own options. */
export interface SimulatorOptions {
  readonly users: readonly SimulatedUser[];
  /** Overrides of the vendor's default password policy. */
  readonly policy?: Partial<PasswordPolicy>;
  /**
   * How failed logins lock an account (see `LockoutPolicy`). Default: the vendor simulator's (`DEFAULT_LOCKOUT`, 5
   * failures within 900 s lock for 900 s, unless the vendor's is stricter).
   */
  readonly lockout?: LockoutPolicy;
  /**
   * Former option, kept: this many consecutive failed logins lock the account until it is unlocked by hand
   * (`consecutiveLockout(n)`). Ignored when `lockout` is given.
   */
  readonly lockoutThreshold?: number;
  /** The device's clock (ms since the epoch), for lockouts and session idle times. Default: `Date.now`. */
  readonly now?: () => number;
  /**
   * A refused login (or password check) is answered only after this long, as PAM's fail delay does; the refusal
   * counts on the device at once. Default: 0.
   */
  readonly refusalDelayMs?: number;
  /** Idle time after which a session (token, cookie) dies. Default: the vendor's (minutes). */
  readonly sessionIdleMs?: number;
  /** Port to listen on, on 127.0.0.1. Default: a free one. Not with `listener`. */
  readonly port?: number;
  /**
   * Serve from this shared HTTPS listener (a fleet's: one TLS and HTTP server for many devices) at an address of its
   * own (127.x.y.z, the listener's port), instead of a server of the device's own. The listener's certificate is the
   * device's; `certificate` and `port` must then be absent.
   */
  readonly listener?: SharedDeviceListener;
  /** Faults armed from the start; more can be injected later with `injectFault`. */
  readonly faults?: readonly FaultRule[];
  /** The TLS certificate to serve. Default: a fresh self-signed one (a fleet of simulators may share one: it is slow to make). */
  readonly certificate?: DeviceCertificate;
}

export interface RecordedRequest {
  readonly operation: string;
  readonly method: string;
  /** Path without query string (the query may hold credentials, as some APIs' do). */
  readonly path: string;
  readonly at: number;
}

/** A request as a vendor handler sees it. */
export interface SimRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  /** JSON or form body, parsed; undefined when absent or unparsable. */
  readonly body: unknown;
  readonly cookies: Record<string, string>;
  /** Faults of the kinds a handler must act on itself (session-expired, conversation-expired, reject-new-password). */
  has(kind: FaultKind): boolean;
}

export interface SimResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string | string[]>;
}

export interface Route {
  readonly method: 'GET' | 'POST' | 'ANY';
  readonly path: string;
  /** The name fault rules and the request log use. */
  readonly operation: string;
  readonly handle: (request: SimRequest) => SimResponse | Promise<SimResponse>;
}

/** A running simulated device: how to reach it, how to trust it, what it now holds, how to upset it. */
export interface SimulatedDevice {
  readonly vendor: Vendor;
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly certificatePem: string;
  /** `AB:CD:…` */
  readonly fingerprint256: string;
  /** Requests that reached the HTTP layer, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** TLS connections accepted so far (on a real network, each costs its handshake's round trips before a request). */
  connections(): number;
  account(username: string): AccountSnapshot;
  passwordOf(username: string): string;
  failedLoginsOf(username: string): number;
  isLocked(username: string): boolean;
  /** How many times failed logins locked the account, ever (a lock set by `overwriteAccount` is not counted). */
  lockoutsOf(username: string): number;
  /** The lockout rule the device applies. */
  readonly lockout: LockoutPolicy;
  /** Change a password or lock state behind the rotator's back (someone changed it by hand, an admin unlocked it). */
  overwriteAccount(username: string, changes: { password?: string; locked?: boolean }): void;
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  /** Drop every session, as a device restart would. */
  expireSessions(): void;
  /** Every session token, cookie and conversation id the device has handed out: what a leak scan looks for. */
  issuedTokens(): string[];
  stop(): Promise<void>;
}

export interface VendorBehaviour {
  readonly routes: readonly Route[];
  expireSessions(): void;
  issuedTokens(): string[];
  /** Body of the 404 answer in the vendor's shape. */
  notFound(path: string): SimResponse;
}

export interface DeviceServerSetup {
  readonly vendor: Vendor;
  readonly options: SimulatorOptions;
  readonly defaultPolicy: PasswordPolicy;
  readonly defaultLockout: LockoutPolicy;
  readonly build: (accounts: AccountStore) => VendorBehaviour;
}

/** The lockout most devices apply (a vendor simulator may set its own). */
export const DEFAULT_LOCKOUT: LockoutPolicy = { attempts: 5, windowSeconds: 900 };

const HANDLER_FAULTS: readonly FaultKind[] = ['session-expired', 'conversation-expired', 'reject-new-password'];

/** The lockout a simulator applies given its options and the vendor's default. */
export function lockoutOf(options: SimulatorOptions, vendorDefault: LockoutPolicy): LockoutPolicy {
  if (options.lockout !== undefined) return options.lockout;
  if (options.lockoutThreshold !== undefined) return consecutiveLockout(options.lockoutThreshold);
  return vendorDefault;
}

/**
 * Starts an HTTPS device serving the vendor's routes: on 127.0.0.1 with a server and certificate of its own, or, with
 * `options.listener`, behind a fleet's shared listener at an address of its own.
 */
export async function startDeviceServer(setup: DeviceServerSetup): Promise<SimulatedDevice> {
  const { vendor, options } = setup;
  if (options.listener !== undefined && (options.certificate !== undefined || options.port !== undefined)) {
    throw new Error('simulator options: with a shared listener, the certificate and port are the listener\'s (drop `certificate` and `port`)');
  }
  const lockout = lockoutOf(options, setup.defaultLockout);
  const accounts = new AccountStore(options.users, { ...setup.defaultPolicy, ...options.policy }, lockout, options.now ?? Date.now);
  const behaviour = setup.build(accounts);
  const faults = new FaultPlan();
  for (const rule of options.faults ?? []) faults.inject(rule);
  const requests: RecordedRequest[] = [];

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const url = new URL(req.url ?? '/', 'https://device');
    const route = behaviour.routes.find((r) => r.path === url.pathname && (r.method === 'ANY' || r.method === req.method));
    const operation = route?.operation ?? 'unknown';
    requests.push({ operation, method: req.method ?? '', path: url.pathname, at: Date.now() });
    const taken = faults.take(operation);
    const has = (kind: FaultKind) => taken.some((f) => f.kind === kind);

    const latency = taken.filter((f): f is Extract<Fault, { kind: 'latency' }> => f.kind === 'latency').reduce((sum, f) => sum + f.ms, 0);
    if (latency > 0) await sleep(latency);
    if (has('drop-before')) {
      req.socket.destroy();
      return;
    }
    const serverError = taken.find((f): f is Extract<Fault, { kind: 'server-error' }> => f.kind === 'server-error');
    if (serverError) {
      writeText(res, serverError.status ?? 500, 'Internal Server Error');
      return;
    }
    const respond = taken.find((f): f is Extract<Fault, { kind: 'respond' }> => f.kind === 'respond');
    const replacement = (fault: Extract<Fault, { kind: 'respond' }>): SimResponse => ({
      status: fault.status,
      body: fault.body ?? '',
      ...(fault.headers ? { headers: fault.headers } : {}),
    });
    if (respond && respond.afterHandling !== true) {
      writeJson(res, replacement(respond));
      return;
    }
    if (route === undefined) {
      writeJson(res, behaviour.notFound(url.pathname));
      return;
    }
    const request: SimRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      rawBody,
      body: parseBody(rawBody, req.headers['content-type']),
      cookies: parseCookies(req.headers.cookie),
      has: (kind) => HANDLER_FAULTS.includes(kind) && has(kind),
    };
    const refusalsBefore = accounts.refusals;
    const handled = await route.handle(request);
    if (accounts.refusals > refusalsBefore && (options.refusalDelayMs ?? 0) > 0) await sleep(options.refusalDelayMs);
    if (has('drop-after')) {
      req.socket.destroy();
      return;
    }
    writeJson(res, respond ? replacement(respond) : handled);
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    void serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) writeJson(res, { status: 500, body: { error: `simulator failure: ${String(error)}` } });
    });
  };
  let endpoint: DeviceEndpoint;
  let stopOwnListener: () => Promise<void> = () => Promise.resolve();
  if (options.listener !== undefined) {
    endpoint = await options.listener.attach(handler);
  } else {
    // A device of its own: a listener serving this one device on 127.0.0.1, as every simulator did before fleets.
    const own = await SharedDeviceListener.start(options.certificate ?? (await makeSelfSignedCertificate(`${vendor}.simulator.local`)));
    endpoint = await own.attach(handler, { host: '127.0.0.1', port: options.port ?? 0 });
    stopOwnListener = () => own.stop();
  }
  const { certificate } = endpoint;

  return {
    vendor,
    url: `https://${endpoint.host}:${endpoint.port}`,
    host: endpoint.host,
    port: endpoint.port,
    certificatePem: certificate.certificatePem,
    fingerprint256: certificate.fingerprint256,
    requests,
    connections: () => endpoint.connections(),
    account: (username) => accounts.snapshot(username),
    passwordOf: (username) => accounts.snapshot(username).password,
    failedLoginsOf: (username) => accounts.snapshot(username).failedLogins,
    isLocked: (username) => accounts.snapshot(username).locked,
    lockoutsOf: (username) => accounts.snapshot(username).lockouts,
    lockout,
    overwriteAccount: (username, changes) => accounts.overwrite(username, changes),
    injectFault: (rule) => faults.inject(rule),
    clearFaults: () => faults.clear(),
    expireSessions: () => behaviour.expireSessions(),
    issuedTokens: () => behaviour.issuedTokens(),
    stop: async () => {
      await endpoint.detach();
      await stopOwnListener();
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return cookies;
}

function writeJson(res: ServerResponse, response: SimResponse): void {
  const isText = typeof response.body === 'string';
  const payload = isText ? (response.body as string) : JSON.stringify(response.body);
  res.writeHead(response.status, {
    'content-type': isText ? 'text/plain' : 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...response.headers,
  });
  res.end(payload);
}

function writeText(res: ServerResponse, status: number, text: string): void {
  writeJson(res, { status, body: text });
}

/** A body field as a string, or undefined. */
export function field(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

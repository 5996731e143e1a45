import { RotatorError } from '../errors';
import * as http from 'node:http';
import type { TLSSocket } from 'node:tls';
import { Logger } from '@aws-lambda-powertools/logger';
import { DeviceUnreachableError, type ErrorSite, ProtocolError, TlsVerificationError } from './errors';
import { connectVerified, isCertificateError, TlsRefusal } from './tls';
import type { ClientOptions, DeviceEndpoint, WarningLogger } from './types';

export const DEFAULT_PORT = 443;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** A device answer larger than this is not read: a `ProtocolError` naming the limit. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;
/**
 * A connection the device kept open is reused for the next request within this long (the steps of one task follow
 * each other at once): on a real network that saves the TCP and TLS handshakes, two or three round trips a request.
 * Shorter than the usual server keep-alive timeouts (5 s and up), so a reused connection is rarely one the device
 * is closing just then.
 */
const REUSE_WITHIN_MS = 1_000;

export interface DeviceRequest {
  readonly method: 'GET' | 'POST';
  /** Path and query string. */
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export interface DeviceResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

interface Exchanged extends DeviceResponse {
  /** The device keeps the connection open for another request. */
  readonly keepAlive: boolean;
}

interface IdleConnection {
  readonly socket: TLSSocket;
  readonly timer: NodeJS.Timeout;
  /** Listens while the connection is idle: an error there (a reset by the device) only closes and forgets it. */
  readonly onError: (error: Error) => void;
}

/** Why an answer was not read to its end. */
class AnswerTooLarge extends RotatorError {
  static override readonly errorName = 'AnswerTooLarge';
  constructor(readonly limit: number) {
    super(`answer larger than ${limit} bytes`);
  }
}

/**
 * The step being run and the secret values it handles, so that no error can carry them. `login` marks the request of
 * a login exchange: errors it throws carry `duringLogin` (see `ErrorSite.login`).
 */
export interface StepContext {
  readonly step: string;
  readonly secrets: readonly string[];
  readonly login?: boolean;
}

let defaultLogger: WarningLogger | undefined;
function sharedLogger(): WarningLogger {
  if (defaultLogger === undefined) defaultLogger = new Logger({ serviceName: 'device-password-rotator' });
  return defaultLogger;
}

/**
 * HTTPS to one device: a deadline per request (connection, handshake and answer together), the device's TLS
 * settings checked before any request byte leaves, and every failure turned into a typed error naming the step.
 * A connection is verified once, when it is made, and reused by the next request if the device kept it open.
 * HTTP 5xx answers become `DeviceUnreachableError` here; everything else is for the vendor client to read.
 */
export class DeviceHttp {
  readonly host: string;
  readonly port: number;
  private readonly timeoutMs: number;
  private idle: IdleConnection | undefined;

  constructor(
    readonly endpoint: DeviceEndpoint,
    options: ClientOptions = {},
  ) {
    this.host = endpoint.host;
    this.port = endpoint.port ?? DEFAULT_PORT;
    this.timeoutMs = endpoint.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    if (endpoint.tls?.insecureSkipVerify === true) {
      (options.logger ?? sharedLogger()).warn('TLS certificate verification is turned off for this device (tls.insecureSkipVerify)', {
        vendor: endpoint.vendor,
        host: this.host,
        port: this.port,
      });
    }
  }

  site(context: StepContext): ErrorSite {
    const site: ErrorSite = { vendor: this.endpoint.vendor, host: this.host, port: this.port, step: context.step, secrets: context.secrets };
    return context.login === true ? { ...site, login: true } : site;
  }

  async request(context: StepContext, request: DeviceRequest): Promise<DeviceResponse> {
    const site = this.site(context);
    const signal = AbortSignal.timeout(this.timeoutMs);
    let socket = this.takeIdle();
    if (socket === undefined) {
      try {
        socket = await connectVerified(this.host, this.port, this.endpoint.tls ?? {}, signal);
      } catch (error) {
        throw this.connectionError(site, error, signal);
      }
    }
    // A request byte may have reached the device as soon as one was handed to the socket: only before that is
    // "not sent" certain.
    const writtenBefore = socket.bytesWritten;
    const sent = (): boolean => {
      const written = socket?.bytesWritten;
      return typeof written !== 'number' || typeof writtenBefore !== 'number' || written > writtenBefore;
    };
    let keep = false;
    try {
      const { keepAlive, ...response } = await exchange(socket, this.host, this.port, request, signal);
      keep = keepAlive;
      if (response.status >= 500) {
        throw new DeviceUnreachableError(site, 'the device failed to handle the request', true, {
          httpStatus: response.status,
          deviceMessage: response.body || undefined,
        });
      }
      return response;
    } catch (error) {
      if (error instanceof DeviceUnreachableError || error instanceof ProtocolError) throw error;
      if (error instanceof AnswerTooLarge) {
        throw new ProtocolError(site, `the device's ${error.message}; it was not read`);
      }
      throw this.exchangeError(site, error, signal, sent());
    } finally {
      if (keep) this.keepIdle(socket);
      else socket.destroy();
    }
  }

  /** The connection kept from the last request, if the device has not closed it; never one that is in use. */
  private takeIdle(): TLSSocket | undefined {
    const idle = this.idle;
    this.idle = undefined;
    if (idle === undefined) return undefined;
    clearTimeout(idle.timer);
    idle.socket.removeListener('error', idle.onError);
    idle.socket.ref();
    if (idle.socket.destroyed || !idle.socket.readable || !idle.socket.writable) {
      idle.socket.destroy();
      return undefined;
    }
    return idle.socket;
  }

  /** Keeps a connection for the next request, closing it unused after `REUSE_WITHIN_MS`; it holds no process open. */
  private keepIdle(socket: TLSSocket): void {
    this.forgetIdle();
    const forget = () => {
      if (this.idle?.socket === socket) this.forgetIdle();
      else socket.destroy();
    };
    const timer = setTimeout(forget, REUSE_WITHIN_MS);
    timer.unref();
    socket.unref();
    // A device that resets a connection we keep must not crash the process: the error only closes and forgets it.
    const onError = () => forget();
    socket.on('error', onError);
    this.idle = { socket, timer, onError };
  }

  /** Closes the kept connection, if any. Its error listener stays on: a late error on the closing socket is absorbed. */
  private forgetIdle(): void {
    const idle = this.idle;
    this.idle = undefined;
    if (idle === undefined) return;
    clearTimeout(idle.timer);
    idle.socket.destroy();
  }

  private connectionError(site: ErrorSite, error: unknown, signal: AbortSignal): Error {
    if (signal.aborted) {
      return new DeviceUnreachableError(site, `no TLS connection within the ${this.timeoutMs} ms deadline`, false);
    }
    if (error instanceof TlsRefusal) return new TlsVerificationError(site, error.message);
    if (isCertificateError(error)) {
      const code = (error as NodeJS.ErrnoException).code;
      return new TlsVerificationError(site, `certificate not trusted (${code}); pin it with tls.caCertificate or tls.certificateSha256`, {
        cause: error as Error,
      });
    }
    const cause = error instanceof Error ? error : new Error(String(error));
    const code = (cause as NodeJS.ErrnoException).code ?? cause.message;
    return new DeviceUnreachableError(site, `could not connect (${code})`, false, { cause });
  }

  private exchangeError(site: ErrorSite, error: unknown, signal: AbortSignal, sent: boolean): Error {
    const cause = error instanceof Error ? error : new Error(String(error));
    if (signal.aborted) {
      return new DeviceUnreachableError(
        site,
        sent ? `no answer within the ${this.timeoutMs} ms deadline` : `request not sent within the ${this.timeoutMs} ms deadline`,
        sent,
      );
    }
    const code = (cause as NodeJS.ErrnoException).code ?? cause.message;
    return new DeviceUnreachableError(site, `connection lost ${sent ? 'before the answer' : 'while sending'} (${code})`, sent, { cause });
  }
}

function exchange(
  socket: TLSSocket,
  host: string,
  port: number,
  request: DeviceRequest,
  signal: AbortSignal,
): Promise<Exchanged> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/json', connection: 'keep-alive', ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    const req = http.request({
      host,
      port,
      method: request.method,
      path: request.path,
      headers,
      createConnection: () => socket,
      signal,
    });
    req.on('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      const refuse = () => {
        tooLarge = true;
        reject(new AnswerTooLarge(MAX_RESPONSE_BYTES));
        res.destroy();
        socket.destroy();
      };
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > MAX_RESPONSE_BYTES) {
        refuse();
        return;
      }
      res.on('data', (chunk: Buffer) => {
        if (tooLarge) return;
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          refuse();
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (error) => {
        if (!tooLarge) reject(error);
      });
      res.once('end', () => {
        const keepAlive = res.headers.connection?.toLowerCase() !== 'close' && res.httpVersion === '1.1';
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), keepAlive });
      });
    });
    req.end(request.body);
  });
}

/** Parses a JSON answer, or fails with a `ProtocolError` that quotes (scrubbed) what came instead. */
export function parseJson(site: ErrorSite, response: DeviceResponse): unknown {
  try {
    return JSON.parse(response.body);
  } catch {
    // The whole body goes in: it is scrubbed before it is cut to length (a cut here could split a secret).
    throw new ProtocolError(site, 'the device answered with something that is not JSON', {
      httpStatus: response.status,
      deviceMessage: response.body,
    });
  }
}

/** Cookies set by an answer, as name → value. */
export function cookiesFrom(response: DeviceResponse): Record<string, string> {
  const jar: Record<string, string> = {};
  for (const line of response.headers['set-cookie'] ?? []) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq > 0) jar[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return jar;
}

export function cookieHeader(jar: Record<string, string>): string {
  return Object.entries(jar)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

import { RotatorError } from '../errors';
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import type { TlsSettings } from './types';

/** Why a TLS connection was refused before any request byte went out. */
export class TlsRefusal extends RotatorError {
  static override readonly errorName = 'TlsRefusal';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** `AB:CD:…`, `abcd…` and `AB CD …` all become `abcd…`. */
export function normalizeFingerprint(fingerprint: string): string {
  return fingerprint.replace(/[:\s]/g, '').toLowerCase();
}

export function isSha256Fingerprint(fingerprint: string): boolean {
  return SHA256_HEX.test(normalizeFingerprint(fingerprint));
}

/** Node reports these codes when the certificate chain or the name does not verify. */
const CERTIFICATE_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME|HOSTNAME/;

export function isCertificateError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && CERTIFICATE_ERROR.test(code);
}

/**
 * The TLS options for one device:
 * - `caCertificate`: only that certificate (the device's own, or its CA) is trusted; the name is checked.
 * - `certificateSha256` alone: the pin is the trust; the chain of a self-signed certificate is not checked.
 * - neither: the public CAs and the name, as any HTTPS client.
 * - `insecureSkipVerify`: nothing is checked but a pin, if one is given.
 */
export function tlsConnectOptions(host: string, port: number, settings: TlsSettings = {}): tls.ConnectionOptions {
  const checkedName = settings.serverName ?? host;
  const options: tls.ConnectionOptions = { host, port, minVersion: 'TLSv1.2' };
  if (isIP(checkedName) === 0) options.servername = checkedName;
  const pinOnly = settings.certificateSha256 !== undefined && settings.caCertificate === undefined;
  if (settings.insecureSkipVerify === true || pinOnly) {
    options.rejectUnauthorized = false;
    return options;
  }
  options.rejectUnauthorized = true;
  if (settings.caCertificate !== undefined) options.ca = [settings.caCertificate];
  if (settings.serverName !== undefined) {
    options.checkServerIdentity = (_host, certificate) => tls.checkServerIdentity(checkedName, certificate);
  }
  return options;
}

/**
 * Opens a TLS connection and checks it before handing it over: the chain (unless opted out) and the pinned
 * fingerprint. The returned socket has sent nothing but the handshake.
 */
export function connectVerified(host: string, port: number, settings: TlsSettings, signal: AbortSignal): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    if (settings.certificateSha256 !== undefined && !isSha256Fingerprint(settings.certificateSha256)) {
      reject(new TlsRefusal('the pinned certificateSha256 is not a SHA-256 fingerprint (64 hex digits)'));
      return;
    }
    const socket = tls.connect(tlsConnectOptions(host, port, settings));
    const onAbort = () => socket.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      signal.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
    };
    const onError = (error: Error) => {
      settle();
      reject(error);
    };
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      settle();
      const refusal = checkPeer(socket, settings);
      if (refusal) {
        socket.destroy();
        reject(refusal);
        return;
      }
      resolve(socket);
    });
  });
}

function checkPeer(socket: tls.TLSSocket, settings: TlsSettings): TlsRefusal | undefined {
  const pinOnly = settings.certificateSha256 !== undefined && settings.caCertificate === undefined;
  // With rejectUnauthorized on, Node has already refused an unverified chain; this guards against a future option change.
  if (settings.insecureSkipVerify !== true && !pinOnly && !socket.authorized) {
    return new TlsRefusal(`certificate not trusted (${String(socket.authorizationError)})`, String(socket.authorizationError));
  }
  if (settings.certificateSha256 !== undefined) {
    const presented = socket.getPeerCertificate().fingerprint256 ?? '';
    if (normalizeFingerprint(presented) !== normalizeFingerprint(settings.certificateSha256)) {
      return new TlsRefusal(
        `certificate fingerprint ${presented || '(none)'} does not match the pinned SHA-256 ${settings.certificateSha256}`,
        'PIN_MISMATCH',
      );
    }
  }
  return undefined;
}

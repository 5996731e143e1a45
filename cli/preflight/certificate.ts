import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import { normalizeFingerprint } from '../../lambda/device/tls';
import type { TlsSettings } from '../../lambda/device/types';

/** What the device presented, and how it compares with the secret's `tls`. */
export interface CertificateFacts {
  readonly subject: string;
  readonly issuer: string;
  readonly validFrom: string;
  readonly validTo: string;
  /** `AB:CD:…`, as `tls.certificateSha256` takes it. */
  readonly sha256: string;
  /**
   * - `pin-match` / `pin-mismatch`: `certificateSha256` set;
   * - `ca-match` / `ca-mismatch`: `caCertificate` set (the device's certificate, or one it issued, for the name checked);
   * - `public`: no pin, and the certificate is trusted by the public CAs for the name;
   * - `none`: no pin, and the certificate is not publicly trusted (the rotator would refuse it).
   */
  readonly trust: 'pin-match' | 'pin-mismatch' | 'ca-match' | 'ca-mismatch' | 'public' | 'none';
  /** A `tls` block to paste into the secret when there is no pin, or the pin does not match. */
  readonly suggestedTls?: TlsSettings;
  /** Past its end or before its start. */
  readonly expired: boolean;
}

/**
 * Connects, reads the device's certificate and hangs up: not one request byte is sent (the handshake is all).
 * `signal` bounds the connection.
 */
export function inspectCertificate(host: string, port: number, settings: TlsSettings, timeoutMs: number): Promise<CertificateFacts> {
  const serverName = settings.serverName ?? host;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, servername: isIp(serverName) ? undefined : serverName, rejectUnauthorized: false });
    const timer = setTimeout(() => socket.destroy(new Error(`no TLS handshake within ${timeoutMs} ms`)), timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const presented = socket.getPeerX509Certificate();
      const publiclyTrusted = socket.authorized && presented !== undefined && namesHost(presented, serverName);
      socket.destroy();
      if (presented === undefined) {
        reject(new Error('the device presented no certificate'));
        return;
      }
      resolve(factsOf(presented, settings, serverName, publiclyTrusted));
    });
  });
}

function factsOf(presented: X509Certificate, settings: TlsSettings, serverName: string, publiclyTrusted: boolean): CertificateFacts {
  const now = Date.now();
  const base = {
    subject: oneLine(presented.subject),
    issuer: oneLine(presented.issuer),
    validFrom: new Date(presented.validFrom).toISOString(),
    validTo: new Date(presented.validTo).toISOString(),
    sha256: presented.fingerprint256,
    expired: now > Date.parse(presented.validTo) || now < Date.parse(presented.validFrom),
  };
  const pinBlock: TlsSettings = { certificateSha256: presented.fingerprint256, ...(settings.serverName ? { serverName: settings.serverName } : {}) };
  if (settings.certificateSha256 !== undefined) {
    const match = normalizeFingerprint(settings.certificateSha256) === normalizeFingerprint(presented.fingerprint256);
    return { ...base, trust: match ? 'pin-match' : 'pin-mismatch', ...(match ? {} : { suggestedTls: pinBlock }) };
  }
  if (settings.caCertificate !== undefined) {
    const match = issuedBy(presented, settings.caCertificate) && namesHost(presented, serverName);
    return { ...base, trust: match ? 'ca-match' : 'ca-mismatch', ...(match ? {} : { suggestedTls: pinBlock }) };
  }
  return publiclyTrusted ? { ...base, trust: 'public' } : { ...base, trust: 'none', suggestedTls: pinBlock };
}

/** The presented certificate is the given PEM, or was signed by it. */
function issuedBy(presented: X509Certificate, caPem: string): boolean {
  try {
    const ca = new X509Certificate(caPem);
    if (ca.fingerprint256 === presented.fingerprint256) return true;
    return presented.checkIssued(ca) && presented.verify(ca.publicKey);
  } catch {
    return false;
  }
}

function namesHost(certificate: X509Certificate, name: string): boolean {
  return isIp(name) ? certificate.checkIP(name) !== undefined : certificate.checkHost(name) !== undefined;
}

function isIp(name: string): boolean {
  return /^\d{1,3}(?:\.\d{1,3}){3}$/.test(name) || name.includes(':');
}

function oneLine(text: string): string {
  return text.split('\n').filter(Boolean).join(', ');
}

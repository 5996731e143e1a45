import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';

export interface DeviceCertificate {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /** As Node prints it: `AB:CD:…`. */
  readonly fingerprint256: string;
}

/** A fresh self-signed certificate for 127.0.0.1 and localhost, as a device makes for itself at first boot. */
export async function makeSelfSignedCertificate(commonName: string): Promise<DeviceCertificate> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 7 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  return {
    certificatePem: pems.cert,
    privateKeyPem: pems.private,
    fingerprint256: new X509Certificate(pems.cert).fingerprint256,
  };
}

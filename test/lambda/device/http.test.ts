import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { DeviceHttp } from '../../../lambda/device/http';
import { TlsVerificationError } from '../../../lambda/device/errors';
import { type DeviceCertificate, makeSelfSignedCertificate } from '../../../local/simulators/certificate';

/** A bare HTTPS device: counts connections (TCP, whether or not the client goes on past the handshake); answers `connection: close` to `/close`. */
async function startDevice(certificate: DeviceCertificate) {
  let connections = 0;
  const server: Server = createServer({ key: certificate.privateKeyPem, cert: certificate.certificatePem }, (req, res) => {
    const close = req.url === '/close';
    res.writeHead(200, { 'content-type': 'application/json', ...(close ? { connection: 'close' } : {}) });
    res.end(JSON.stringify({ path: req.url }));
  });
  server.on('connection', () => {
    connections += 1;
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describe('connections to a device', () => {
  let certificate: DeviceCertificate;
  let other: DeviceCertificate;
  let device: Awaited<ReturnType<typeof startDevice>>;

  beforeAll(async () => {
    [certificate, other] = await Promise.all([makeSelfSignedCertificate('http-test'), makeSelfSignedCertificate('http-test-other')]);
    device = await startDevice(certificate);
  });
  afterAll(() => device.stop());

  const http = (fingerprint: string) =>
    new DeviceHttp({ vendor: 'oracle-unified-assurance', host: '127.0.0.1', port: device.port, tls: { certificateSha256: fingerprint }, requestTimeoutMs: 2_000 });
  const context = { step: 'test', secrets: [] };

  test('requests in a row share one verified connection while the device keeps it open', async () => {
    const before = device.connections();
    const channel = http(certificate.fingerprint256);
    for (const path of ['/a', '/b', '/c']) expect(JSON.parse((await channel.request(context, { method: 'GET', path })).body)).toEqual({ path });
    expect(device.connections() - before).toBe(1);
  });

  test('after the device closes a connection ("connection: close"), the next request opens and verifies a new one', async () => {
    const before = device.connections();
    const channel = http(certificate.fingerprint256);
    await channel.request(context, { method: 'GET', path: '/close' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await channel.request(context, { method: 'GET', path: '/after' });
    expect(device.connections() - before).toBe(2);
  });

  test('a pin that does not match refuses every request, each on a connection of its own: nothing is kept', async () => {
    const before = device.connections();
    const channel = http(other.fingerprint256);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await expect(channel.request(context, { method: 'GET', path: '/x' })).rejects.toBeInstanceOf(TlsVerificationError);
    }
    expect(device.connections() - before).toBe(2);
  });
});

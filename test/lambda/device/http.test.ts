import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { DeviceHttp, MAX_RESPONSE_BYTES } from '../../../lambda/device/http';
import { DeviceUnreachableError, ProtocolError, TlsVerificationError } from '../../../lambda/device/errors';
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

describe('answers and connections a device gets wrong', () => {
  let certificate: DeviceCertificate;
  beforeAll(async () => {
    certificate = await makeSelfSignedCertificate('http-test-faults');
  });

  /** An HTTPS device whose handler is the test's; raw TCP sockets are kept so the test can reset them. */
  async function startRaw(handler: (req: IncomingMessage, res: ServerResponse) => void) {
    const raw: Socket[] = [];
    const server: Server = createServer({ key: certificate.privateKeyPem, cert: certificate.certificatePem }, handler);
    server.on('connection', (socket: Socket) => raw.push(socket));
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    return {
      port,
      raw,
      channel: (requestTimeoutMs = 2_000) =>
        new DeviceHttp({ vendor: 'oracle-unified-assurance', host: '127.0.0.1', port, tls: { certificateSha256: certificate.fingerprint256 }, requestTimeoutMs }),
      stop: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }
  const context = { step: 'test', secrets: [] };

  test.each([
    ['with a content-length', true],
    ['streamed, without one', false],
  ])('an answer larger than the limit (%s) is a ProtocolError naming the limit, not a lost connection', async (_label, declared) => {
    const device = await startRaw((_req, res) => {
      const body = Buffer.alloc(MAX_RESPONSE_BYTES + 10, 'a');
      res.writeHead(200, declared ? { 'content-length': body.length } : {});
      res.end(body);
    });
    try {
      const error = await device.channel().request(context, { method: 'GET', path: '/big' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).retryable).toBe(false);
      expect((error as Error).message).toContain(`answer larger than ${MAX_RESPONSE_BYTES} bytes`);
    } finally {
      await device.stop();
    }
  });

  test('a device that resets an idle kept-alive connection causes no uncaught exception; the next request opens a new connection', async () => {
    const device = await startRaw((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const channel = device.channel();
      await channel.request(context, { method: 'GET', path: '/a' });
      expect(device.raw).toHaveLength(1);
      device.raw[0].resetAndDestroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(uncaught).toEqual([]);
      const response = await channel.request(context, { method: 'GET', path: '/b' });
      expect(response.status).toBe(200);
      expect(device.raw).toHaveLength(2);
    } finally {
      process.removeListener('uncaughtException', onUncaught);
      await device.stop();
    }
  });

  test('a connection that fails before any byte of the request is "not sent"; one dropped after the request arrived is "sent"', async () => {
    const device = await startRaw((req) => req.socket.destroy());
    try {
      const dropped = await device.channel().request(context, { method: 'POST', path: '/x', body: '{}' }).catch((e: unknown) => e);
      expect(dropped).toBeInstanceOf(DeviceUnreachableError);
      expect((dropped as DeviceUnreachableError).requestSent).toBe(true);
    } finally {
      await device.stop();
    }
    const refused = await device.channel().request(context, { method: 'GET', path: '/x' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DeviceUnreachableError);
    expect((refused as DeviceUnreachableError).requestSent).toBe(false);
  });

  test('a request cut while it is being sent is "sent" (bytes may have reached the device)', async () => {
    const device = await startRaw((req) => {
      // Read a little of the body, then cut the connection mid-upload.
      req.once('data', () => req.socket.destroy());
    });
    try {
      const body = 'x'.repeat(4 * 1024 * 1024);
      const error = await device.channel().request(context, { method: 'POST', path: '/upload', body }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeviceUnreachableError);
      expect((error as DeviceUnreachableError).requestSent).toBe(true);
    } finally {
      await device.stop();
    }
  });
});

import { TlsVerificationError } from '../../../lambda/device/errors';
import { normalizeFingerprint } from '../../../lambda/device/tls';
import type { DeviceEndpoint, TlsSettings, WarningLogger } from '../../../lambda/device/types';
import { UnifiedAssuranceClient } from '../../../lambda/vendors/oracle-unified-assurance/client';
import type { SimulatedDevice } from '../../../local/simulators/device-server';
import { startUnifiedAssuranceSimulator } from '../../../local/simulators/unified-assurance';
import { canaryPassword } from '../../helpers/canary';

// TLS handling is shared by every vendor (lambda/device/http.ts + tls.ts); one simulator stands for all.
describe('TLS verification of devices', () => {
  const password = canaryPassword();
  let device: SimulatedDevice;
  let other: SimulatedDevice;

  beforeAll(async () => {
    [device, other] = await Promise.all([
      startUnifiedAssuranceSimulator({ users: [{ username: 'admin', password }] }),
      startUnifiedAssuranceSimulator({ users: [{ username: 'admin', password }] }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([device.stop(), other.stop()]);
  });

  const endpoint = (tls: TlsSettings | undefined, host = device.host): DeviceEndpoint => ({
    vendor: 'oracle-unified-assurance',
    host,
    port: device.port,
    tls,
    requestTimeoutMs: 2_000,
  });

  async function verifyWith(tls: TlsSettings | undefined, logger?: WarningLogger, host?: string) {
    const before = device.requests.length;
    const outcome = await new UnifiedAssuranceClient(endpoint(tls, host), { logger }).verifyLogin({ username: 'admin', password });
    return { outcome, requestsReceived: device.requests.length - before };
  }

  test('the pinned device certificate (PEM) is accepted', async () => {
    const { outcome } = await verifyWith({ caCertificate: device.certificatePem });
    expect(outcome.status).toBe('accepted');
  });

  test('the pinned SHA-256 fingerprint alone is accepted, in either notation', async () => {
    expect((await verifyWith({ certificateSha256: device.fingerprint256 })).outcome.status).toBe('accepted');
    expect((await verifyWith({ certificateSha256: normalizeFingerprint(device.fingerprint256) })).outcome.status).toBe('accepted');
  });

  test('a wrong fingerprint is refused before any request reaches the device', async () => {
    const { outcome, requestsReceived } = await verifyWith({ certificateSha256: other.fingerprint256 });
    expect(outcome.status).toBe('unavailable');
    const error = outcome.status === 'unavailable' ? outcome.error : undefined;
    expect(error).toBeInstanceOf(TlsVerificationError);
    expect(error?.message).toMatch(/does not match the pinned SHA-256/);
    expect(error?.message).toContain(`${device.host}:${device.port}`);
    expect(requestsReceived).toBe(0);
  });

  test('a PEM pin and a fingerprint must both match', async () => {
    const { outcome, requestsReceived } = await verifyWith({ caCertificate: device.certificatePem, certificateSha256: other.fingerprint256 });
    expect(outcome.status === 'unavailable' && outcome.error).toBeInstanceOf(TlsVerificationError);
    expect(requestsReceived).toBe(0);
  });

  test("another device's certificate as the pin is refused before any request", async () => {
    const { outcome, requestsReceived } = await verifyWith({ caCertificate: other.certificatePem });
    expect(outcome.status === 'unavailable' && outcome.error).toBeInstanceOf(TlsVerificationError);
    expect(requestsReceived).toBe(0);
  });

  test('an untrusted (self-signed) certificate is refused by default', async () => {
    const { outcome, requestsReceived } = await verifyWith(undefined);
    expect(outcome.status).toBe('unavailable');
    const error = outcome.status === 'unavailable' ? outcome.error : undefined;
    expect(error).toBeInstanceOf(TlsVerificationError);
    expect(error?.message).toMatch(/not trusted/);
    expect(requestsReceived).toBe(0);
  });

  test('the certificate name is checked: serverName must match the certificate', async () => {
    const wrongName = await verifyWith({ caCertificate: device.certificatePem, serverName: 'other.example.net' });
    expect(wrongName.outcome.status === 'unavailable' && wrongName.outcome.error).toBeInstanceOf(TlsVerificationError);
    expect(wrongName.requestsReceived).toBe(0);
    const rightName = await verifyWith({ caCertificate: device.certificatePem, serverName: 'localhost' });
    expect(rightName.outcome.status).toBe('accepted');
  });

  test('a host name the certificate names (localhost) is accepted with the PEM pin', async () => {
    const { outcome } = await verifyWith({ caCertificate: device.certificatePem }, undefined, 'localhost');
    expect(outcome.status).toBe('accepted');
  });

  test('turning verification off is explicit and logs a warning naming the device', async () => {
    const warnings: Array<{ message: string; extra: Record<string, unknown> }> = [];
    const logger: WarningLogger = { warn: (message, extra) => warnings.push({ message, extra }) };
    const { outcome } = await verifyWith({ insecureSkipVerify: true }, logger);
    expect(outcome.status).toBe('accepted');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toMatch(/verification is turned off/);
    expect(warnings[0].extra).toMatchObject({ vendor: 'oracle-unified-assurance', host: device.host, port: device.port });
  });

  test('verification on (the default) logs no warning', async () => {
    const warnings: string[] = [];
    await verifyWith({ caCertificate: device.certificatePem }, { warn: (message) => warnings.push(message) });
    expect(warnings).toHaveLength(0);
  });

  test('a pin that is not a SHA-256 fingerprint is refused without connecting', async () => {
    const { outcome, requestsReceived } = await verifyWith({ certificateSha256: 'AB:CD' });
    expect(outcome.status === 'unavailable' && outcome.error.message).toMatch(/not a SHA-256 fingerprint/);
    expect(requestsReceived).toBe(0);
  });
});

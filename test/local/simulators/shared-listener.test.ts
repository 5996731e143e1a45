import { request } from 'node:https';
import { connectVerified, TlsRefusal } from '../../../lambda/device/tls';
import { makeSelfSignedCertificate } from '../../../local/simulators/certificate';
import type { SimulatedDevice } from '../../../local/simulators/device-server';
import { SharedDeviceListener } from '../../../local/simulators/shared-listener';
import { startUnifiedAssuranceSimulator } from '../../../local/simulators/unified-assurance';
import { canaryPassword } from '../../helpers/canary';

/** POSTs to a device over TLS (the pin is checked by the product's client in the test below; here only routing). */
function post(device: SimulatedDevice, path: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: device.host, port: device.port, method: 'POST', path, rejectUnauthorized: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', reject);
    req.end(JSON.stringify(body));
  });
}

const LOGIN = '/api/core/Login/executeLogin';

describe('SharedDeviceListener: many simulated devices behind one HTTPS server', () => {
  let listener: SharedDeviceListener;
  const devices: SimulatedDevice[] = [];
  const passwords: string[] = [];

  beforeAll(async () => {
    listener = await SharedDeviceListener.start(await makeSelfSignedCertificate('fleet.simulator.local'));
    for (let i = 0; i < 3; i += 1) {
      const password = canaryPassword();
      passwords.push(password);
      devices.push(await startUnifiedAssuranceSimulator({ users: [{ username: 'admin', password }], listener }));
    }
  });
  afterAll(() => listener.stop());

  test('each device has a loopback address of its own at the listener port, and the listener certificate', () => {
    const hosts = devices.map((device) => device.host);
    expect(new Set(hosts).size).toBe(3);
    for (const host of hosts) expect(host).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(hosts).not.toContain('127.0.0.1');
    expect(new Set(devices.map((device) => device.port)).size).toBe(1);
    expect(new Set(devices.map((device) => device.fingerprint256))).toEqual(new Set([listener.certificate.fingerprint256]));
    expect(listener.size()).toBe(3);
  });

  test('a request reaches only the device whose address it was sent to: its log, its accounts, its connection count', async () => {
    const [first, second] = devices;
    const firstBefore = first.requests.length;
    const secondBefore = second.requests.length;
    const connectionsBefore = second.connections();
    // The second device's password on the first device: refused there, counted there, and nowhere else.
    await post(first, LOGIN, { Username: 'admin', Password: passwords[1] });
    expect(first.requests.length).toBe(firstBefore + 1);
    expect(first.failedLoginsOf('admin')).toBe(1);
    expect(second.requests.length).toBe(secondBefore);
    expect(second.failedLoginsOf('admin')).toBe(0);
    expect(second.connections()).toBe(connectionsBefore);
    await post(second, LOGIN, { Username: 'admin', Password: passwords[1] });
    expect(second.requests.length).toBe(secondBefore + 1);
    expect(second.failedLoginsOf('admin')).toBe(0);
    expect(second.connections()).toBe(connectionsBefore + 1);
  });

  test("TLS pinning stays real: the product's client accepts the pinned certificate and refuses any other pin", async () => {
    const device = devices[2];
    const socket = await connectVerified(device.host, device.port, { certificateSha256: device.fingerprint256 }, new AbortController().signal);
    socket.destroy();
    const other = await makeSelfSignedCertificate('other.simulator.local');
    await expect(connectVerified(device.host, device.port, { certificateSha256: other.fingerprint256 }, new AbortController().signal)).rejects.toBeInstanceOf(TlsRefusal);
  });

  test('a stopped device stops answering at its address; the others go on', async () => {
    const [first, , third] = devices;
    await third.stop();
    expect(listener.size()).toBe(2);
    await expect(post(third, LOGIN, { Username: 'admin', Password: passwords[2] })).rejects.toThrow(/ECONNREFUSED/);
    await expect(post(first, LOGIN, { Username: 'admin', Password: passwords[0] })).resolves.toBeGreaterThan(0);
  });

  test('a shared listener with a certificate or port of the device is refused, with what to drop', async () => {
    await expect(startUnifiedAssuranceSimulator({ users: [{ username: 'admin', password: canaryPassword() }], listener, port: 4443 })).rejects.toThrow(/drop `certificate` and `port`/);
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeviceClient } from '../../lambda/device/registry';
import { VENDORS } from '../../lambda/device/types';
import { type RunningDevice, startAllDevices } from '../../local/devices';

describe('npm run devices', () => {
  test('starts one device per vendor; each admin logs in with the printed password through the registry client, pinned by fingerprint', async () => {
    const { devices, described } = await startAllDevices();
    try {
      expect(described.map((d) => d.vendor).sort()).toEqual([...VENDORS].sort());
      for (const device of described) {
        const client = createDeviceClient({ vendor: device.vendor, host: device.host, port: device.port, tls: { certificateSha256: device.fingerprint256 } });
        const admin = device.users[0];
        expect((await client.verifyLogin({ username: admin.username, password: admin.password })).status).toBe('accepted');
      }
    } finally {
      await Promise.all(devices.map((d) => d.stop()));
    }
  });

  test('the command prints every URL and writes the JSON it promises, then stops cleanly on SIGINT', async () => {
    const jsonPath = join(mkdtempSync(join(tmpdir(), 'devices-')), 'devices.json');
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'local/devices.ts', '--json', jsonPath], { cwd: join(__dirname, '../..') });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => output.includes('Press Ctrl-C') && resolve());
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${output}`)));
    });
    const written = JSON.parse(readFileSync(jsonPath, 'utf8')) as RunningDevice[];
    expect(written).toHaveLength(VENDORS.length);
    for (const device of written) {
      expect(output).toContain(device.url);
      expect(output).toContain(device.fingerprint256);
      expect(device.certificatePem).toMatch(/BEGIN CERTIFICATE/);
    }
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGINT');
    });
    expect(code).toBe(0);
  });
});

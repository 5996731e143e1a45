/**
 * `npm run devices`: starts one simulated device per vendor on 127.0.0.1 and prints how to reach and trust each,
 * with its users and passwords. Runs until Ctrl-C. `--json FILE` also writes the same facts (certificates included)
 * for scripts; `--lockout N` and `--session-idle-ms MS` change the devices' habits.
 */
import { simulatorModule } from './simulators';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { VENDORS, type Vendor } from '../lambda/device/types';
import type { SimulatedUser } from './simulators/accounts';
import { type SimulatedDevice, startSimulator } from './simulators';

/** A password every simulated device's default policy accepts. */
function demoPassword(): string {
  return `Demo!${randomBytes(5).toString('hex')}Z7`;
}

function usersFor(vendor: Vendor): SimulatedUser[] {
  return [{ username: 'admin', password: demoPassword(), role: 'admin' }, ...(simulatorModule(vendor).demoUsers?.(demoPassword) ?? [])];
}

export interface RunningDevice {
  readonly vendor: Vendor;
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly fingerprint256: string;
  readonly certificatePem: string;
  readonly users: SimulatedUser[];
}

export async function startAllDevices(options: { lockoutThreshold?: number; sessionIdleMs?: number } = {}): Promise<{
  devices: SimulatedDevice[];
  described: RunningDevice[];
}> {
  const entries = await Promise.all(
    VENDORS.map(async (vendor) => {
      const users = usersFor(vendor);
      const device = await startSimulator(vendor, { users, ...options });
      const described: RunningDevice = {
        vendor,
        url: device.url,
        host: device.host,
        port: device.port,
        fingerprint256: device.fingerprint256,
        certificatePem: device.certificatePem,
        users,
      };
      return { device, described };
    }),
  );
  return { devices: entries.map((e) => e.device), described: entries.map((e) => e.described) };
}

function printTable(devices: readonly RunningDevice[]): void {
  for (const device of devices) {
    console.log(`\n${device.vendor}`);
    console.log(`  url          ${device.url}`);
    console.log(`  sha-256 pin  ${device.fingerprint256}`);
    for (const user of device.users) console.log(`  user         ${user.username} / ${user.password}`);
  }
  console.log('\nThe passwords above belong to simulated devices only; they change at every start.');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'string' },
      lockout: { type: 'string' },
      'session-idle-ms': { type: 'string' },
    },
  });
  const { devices, described } = await startAllDevices({
    lockoutThreshold: values.lockout === undefined ? undefined : Number(values.lockout),
    sessionIdleMs: values['session-idle-ms'] === undefined ? undefined : Number(values['session-idle-ms']),
  });
  console.log('Simulated devices listening on 127.0.0.1 (self-signed certificates; pin them by SHA-256):');
  printTable(described);
  if (values.json !== undefined) {
    mkdirSync(dirname(values.json), { recursive: true });
    writeFileSync(values.json, `${JSON.stringify(described, null, 2)}\n`, { mode: 0o600 });
    console.log(`Details written to ${values.json}`);
  }
  console.log('Press Ctrl-C to stop.');
  const stop = async () => {
    await Promise.all(devices.map((d) => d.stop()));
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`Could not start the simulated devices: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}

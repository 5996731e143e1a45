import { randomBytes } from 'node:crypto';
import { deviceSecretFor, type SimulatedDevice, startSimulator } from '../../local/simulators';

/** A simulated device and a device secret for it (its certificate pinned), for `preflight --local`. */
export interface LocalPreflightDevice {
  readonly device: SimulatedDevice;
  /** The secret's fields; tests and the demo change them (drop the pin, another password). */
  readonly secret: Record<string, unknown>;
  stop(): Promise<void>;
}

/** Starts the vendor's simulator with one admin whose password is fresh, and the secret an operator would write for it. */
export async function startLocalPreflightDevice(vendor: string, simulator: Record<string, unknown> = {}): Promise<LocalPreflightDevice> {
  const password = `Pf!${randomBytes(9).toString('base64url')}9a`;
  const device = await startSimulator(vendor, { users: [{ username: 'admin', password }], ...simulator });
  return { device, secret: deviceSecretFor(device, { username: 'admin', password }), stop: () => device.stop() };
}

import type { Vendor } from '../../lambda/device/types';
import type { SimulatedDevice, SimulatorOptions } from './device-server';
import type { FaultRule } from './faults';
import { startMPowerSimulator } from './mpower';
import { startSdwanEdgeSimulator } from './sdwan-edge';
import { startUnifiedAssuranceSimulator } from './unified-assurance';
import { startWso2EmmSimulator } from './wso2-emm';

export type { SimulatedDevice, SimulatorOptions } from './device-server';
export type { Fault, FaultRule } from './faults';
export type { LockoutPolicy } from './accounts';

/** One line per vendor. Vendor simulators take extra options; this entry takes the common ones. */
const SIMULATORS: Record<Vendor, (options: SimulatorOptions) => Promise<SimulatedDevice>> = {
  'multitech-mpower': startMPowerSimulator,
  'wso2-emm': startWso2EmmSimulator,
  'oracle-sdwan-edge': startSdwanEdgeSimulator,
  'oracle-unified-assurance': startUnifiedAssuranceSimulator,
};

/** The request on which each device changes a password (mPower: the answer to "Retype new password", its 5th call). */
export const CHANGE_REQUEST: Record<Vendor, Pick<FaultRule, 'on' | 'skip'>> = {
  'multitech-mpower': { on: 'passwd', skip: 4 },
  'wso2-emm': { on: 'change-password' },
  'oracle-sdwan-edge': { on: 'change-password' },
  'oracle-unified-assurance': { on: 'change-password' },
};

export function startSimulator(vendor: Vendor, options: SimulatorOptions): Promise<SimulatedDevice> {
  const start = SIMULATORS[vendor] as ((options: SimulatorOptions) => Promise<SimulatedDevice>) | undefined;
  if (start === undefined) throw new Error(`no simulator for vendor "${String(vendor)}"`);
  return start(options);
}

/** The fields of a device secret that reach a simulated device: its vendor and address, its certificate pinned. */
export function deviceSecretFor(device: SimulatedDevice, credentials: { username: string; password: string }): Record<string, unknown> {
  return {
    vendor: device.vendor,
    host: device.host,
    port: device.port,
    username: credentials.username,
    password: credentials.password,
    tls: { certificateSha256: device.fingerprint256 },
  };
}

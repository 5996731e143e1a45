import type { Vendor } from '../../lambda/device/types';
import type { SimulatedDevice, SimulatorOptions } from './device-server';
import { startMPowerSimulator } from './mpower';
import { startSdwanEdgeSimulator } from './sdwan-edge';
import { startUnifiedAssuranceSimulator } from './unified-assurance';
import { startWso2EmmSimulator } from './wso2-emm';

export type { SimulatedDevice, SimulatorOptions } from './device-server';
export type { Fault, FaultRule } from './faults';

/** One line per vendor. Vendor simulators take extra options; this entry takes the common ones. */
const SIMULATORS: Record<Vendor, (options: SimulatorOptions) => Promise<SimulatedDevice>> = {
  'multitech-mpower': startMPowerSimulator,
  'wso2-emm': startWso2EmmSimulator,
  'oracle-sdwan-edge': startSdwanEdgeSimulator,
  'oracle-unified-assurance': startUnifiedAssuranceSimulator,
};

export function startSimulator(vendor: Vendor, options: SimulatorOptions): Promise<SimulatedDevice> {
  const start = SIMULATORS[vendor] as ((options: SimulatorOptions) => Promise<SimulatedDevice>) | undefined;
  if (start === undefined) throw new Error(`no simulator for vendor "${String(vendor)}"`);
  return start(options);
}

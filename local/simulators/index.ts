import type { Vendor } from '../../lambda/device/types';
import type { SimulatedDevice, SimulatorOptions } from './device-server';
import { startUnifiedAssuranceSimulator } from './unified-assurance';

export type { SimulatedDevice, SimulatorOptions } from './device-server';
export type { Fault, FaultRule } from './faults';

/** One line per vendor. Vendor simulators take extra options; this entry takes the common ones. */
const SIMULATORS: Partial<Record<Vendor, (options: SimulatorOptions) => Promise<SimulatedDevice>>> = {
  'oracle-unified-assurance': startUnifiedAssuranceSimulator,
};

export function startSimulator(vendor: Vendor, options: SimulatorOptions): Promise<SimulatedDevice> {
  const start = SIMULATORS[vendor];
  if (start === undefined) throw new Error(`no simulator for vendor "${vendor}"`);
  return start(options);
}

import type { Vendor } from '../../lambda/device/types';
import type { SimulatedDevice, SimulatorOptions } from './device-server';
import type { FaultRule } from './faults';
import { mpowerSimulatorModule } from './mpower';
import { sdwanEdgeSimulatorModule } from './sdwan-edge';
import type { SimulatorModule } from './simulator-module';
import { unifiedAssuranceSimulatorModule } from './unified-assurance';
import { wso2EmmSimulatorModule } from './wso2-emm';

export type { SimulatedDevice, SimulatorOptions } from './device-server';
export type { Fault, FaultRule } from './faults';
export type { LockoutPolicy } from './accounts';
export type { FaultOperation, SimulatorModule, SimulatorVariant } from './simulator-module';
import type { SimulatorVariant } from './simulator-module';

/** Each vendor's simulator: the compiler asks for one per vendor of the vendor list (`lambda/vendors`). */
const SIMULATOR_MODULES: Record<Vendor, SimulatorModule> = {
  'multitech-mpower': mpowerSimulatorModule,
  'wso2-emm': wso2EmmSimulatorModule,
  'oracle-sdwan-edge': sdwanEdgeSimulatorModule,
  'oracle-unified-assurance': unifiedAssuranceSimulatorModule,
};

/** Simulators of vendors registered at run time (`registerVendor`), e.g. a test's. */
const registered = new Map<string, SimulatorModule>();

export function registerSimulator(module: SimulatorModule): void {
  registered.set(module.vendor, module);
}

export function simulatorModule(vendor: string): SimulatorModule {
  const module = (SIMULATOR_MODULES as Record<string, SimulatorModule | undefined>)[vendor] ?? registered.get(vendor);
  if (module === undefined) throw new Error(`no simulator for vendor "${vendor}"`);
  return module;
}

/** The request on which a vendor's device changes a password (e.g. the answer to "Retype new password"). */
export const CHANGE_REQUEST: Readonly<Record<Vendor, Pick<FaultRule, 'on' | 'skip'>>> = Object.fromEntries(
  Object.entries(SIMULATOR_MODULES).map(([vendor, module]) => [vendor, module.changeRequest]),
) as Record<Vendor, Pick<FaultRule, 'on' | 'skip'>>;

/** The simulator's default behaviour, as a variant (no options). */
export const DEFAULT_VARIANT: SimulatorVariant = { name: 'default', options: {}, source: 'the simulator defaults', changes: 'change' };

/** Every selectable behaviour of a vendor's simulator: the default first, then its module's `variants`. */
export function simulatorVariants(vendor: string): readonly SimulatorVariant[] {
  return [DEFAULT_VARIANT, ...(simulatorModule(vendor).variants ?? [])];
}

export function startSimulator(vendor: string, options: SimulatorOptions & Record<string, unknown>): Promise<SimulatedDevice> {
  return simulatorModule(vendor).start(options);
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

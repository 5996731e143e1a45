import { multitechMpower } from './multitech-mpower/vendor';
import { oracleSdwanEdge } from './oracle-sdwan-edge/vendor';
import { oracleUnifiedAssurance } from './oracle-unified-assurance/vendor';
import type { VendorModule } from './vendor-module';
import { wso2Emm } from './wso2-emm/vendor';

/** The vendors this project rotates: one line each. Every other list of vendors is derived from this one. */
export const VENDOR_MODULES = [multitechMpower, wso2Emm, oracleSdwanEdge, oracleUnifiedAssurance] as const;

export type Vendor = (typeof VENDOR_MODULES)[number]['id'];
export const VENDORS: readonly Vendor[] = VENDOR_MODULES.map((module) => module.id);

/**
 * Vendors added at run time, in the process that synthesizes or runs the product locally (a test's vendor, or an
 * extension's): they join every list the product derives from `vendorModules()`. Production bundles add none.
 */
const registered: VendorModule[] = [];

export function registerVendor(module: VendorModule): void {
  if (vendorModules().some((known) => known.id === module.id)) throw new Error(`vendor "${module.id}" is already known`);
  registered.push(module);
}

/** Every vendor: the built-in ones, then any registered. */
export function vendorModules(): readonly VendorModule[] {
  return [...VENDOR_MODULES, ...registered];
}

export function isKnownVendor(id: string): boolean {
  return vendorModules().some((module) => module.id === id);
}

/** The module of a vendor; throws for an unknown one (a validated secret never names one). */
export function vendorModule(id: string): VendorModule {
  const module = vendorModules().find((candidate) => candidate.id === id);
  if (module === undefined) throw new Error(`no vendor module for "${id}" (known: ${vendorModules().map((m) => m.id).join(', ')})`);
  return module;
}

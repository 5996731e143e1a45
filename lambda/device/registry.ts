import type { ClientOptions, DeviceClient, DeviceEndpoint, Vendor } from './types';
import { UnifiedAssuranceClient } from './vendors/unified-assurance';

type ClientFactory = (endpoint: DeviceEndpoint, options?: ClientOptions) => DeviceClient;

/** One line per vendor. */
const CLIENTS: Partial<Record<Vendor, ClientFactory>> = {
  'oracle-unified-assurance': (endpoint, options) => new UnifiedAssuranceClient(endpoint, options),
};

export function createDeviceClient(endpoint: DeviceEndpoint, options?: ClientOptions): DeviceClient {
  const factory = CLIENTS[endpoint.vendor];
  if (factory === undefined) throw new Error(`no device client for vendor "${endpoint.vendor}" (host ${endpoint.host})`);
  return factory(endpoint, options);
}

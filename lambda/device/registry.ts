import type { ClientOptions, DeviceClient, DeviceEndpoint, Vendor } from './types';
import { MPowerClient } from './vendors/mpower';
import { SdwanEdgeClient } from './vendors/sdwan-edge';
import { UnifiedAssuranceClient } from './vendors/unified-assurance';
import { Wso2EmmClient } from './vendors/wso2-emm';

type ClientFactory = (endpoint: DeviceEndpoint, options?: ClientOptions) => DeviceClient;

/** One line per vendor. */
const CLIENTS: Record<Vendor, ClientFactory> = {
  'multitech-mpower': (endpoint, options) => new MPowerClient(endpoint, options),
  'wso2-emm': (endpoint, options) => new Wso2EmmClient(endpoint, options),
  'oracle-sdwan-edge': (endpoint, options) => new SdwanEdgeClient(endpoint, options),
  'oracle-unified-assurance': (endpoint, options) => new UnifiedAssuranceClient(endpoint, options),
};

export function createDeviceClient(endpoint: DeviceEndpoint, options?: ClientOptions): DeviceClient {
  const factory = CLIENTS[endpoint.vendor] as ClientFactory | undefined;
  if (factory === undefined) throw new Error(`no device client for vendor "${String(endpoint.vendor)}" (host ${endpoint.host})`);
  return factory(endpoint, options);
}

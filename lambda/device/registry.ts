import * as path from 'node:path';
import { vendorModule } from '../vendors';
import type { ClientOptions, DeviceClient, DeviceEndpoint } from './types';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * The vendor's client for a device, found from its module (`VendorModule.clientModule`). For tools and tests in this
 * repository; each device function imports its own client directly.
 */
export function createDeviceClient(endpoint: DeviceEndpoint, options?: ClientOptions, secret?: object): DeviceClient {
  const module = vendorModule(endpoint.vendor);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createClient } = require(path.join(ROOT, module.clientModule)) as {
    createClient: (endpoint: DeviceEndpoint, options?: ClientOptions, secret?: object) => DeviceClient;
  };
  return createClient(endpoint, options, secret);
}

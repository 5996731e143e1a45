import { SdwanEdgeClient } from '../../device/vendors/sdwan-edge';
import { endpointOf } from '../../secret/device-secret';
import { deviceHandler, requestTimeoutMs } from './device-handler';
import { logger } from '../task-handler';

/** The Oracle SD-WAN Edge device function. */
export const handler = deviceHandler((secret) => new SdwanEdgeClient(endpointOf(secret, requestTimeoutMs()), { logger }));

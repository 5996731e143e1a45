import { UnifiedAssuranceClient } from '../../device/vendors/unified-assurance';
import { endpointOf } from '../../secret/device-secret';
import { deviceHandler, requestTimeoutMs } from './device-handler';
import { logger } from '../task-handler';

/** The Oracle Unified Assurance device function. */
export const handler = deviceHandler((secret) => new UnifiedAssuranceClient(endpointOf(secret, requestTimeoutMs()), { logger }));

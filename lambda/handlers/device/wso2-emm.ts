import { Wso2EmmClient } from '../../device/vendors/wso2-emm';
import { endpointOf } from '../../secret/device-secret';
import { deviceHandler, requestTimeoutMs } from './device-handler';
import { logger } from '../task-handler';

/** The WSO2 EMM device function. */
export const handler = deviceHandler((secret) => new Wso2EmmClient(endpointOf(secret, requestTimeoutMs()), { logger }, secret.oauthClient));

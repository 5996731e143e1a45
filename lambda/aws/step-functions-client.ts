import { SFNClient } from '@aws-sdk/client-sfn';
import { cachedClient } from './cached-client';

export const stepFunctions = cachedClient('AWS_ENDPOINT_URL_SFN', () => new SFNClient({}));

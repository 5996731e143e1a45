import { SFNClient } from '@aws-sdk/client-sfn';
import { cachedClient, retryConfig } from './cached-client';

export const stepFunctions = cachedClient('AWS_ENDPOINT_URL_SFN', () => new SFNClient(retryConfig()));

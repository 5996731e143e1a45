import { KMSClient } from '@aws-sdk/client-kms';
import { cachedClient, retryConfig } from './cached-client';

export const kms = cachedClient('AWS_ENDPOINT_URL_KMS', () => new KMSClient(retryConfig()));

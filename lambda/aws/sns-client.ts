import { SNSClient } from '@aws-sdk/client-sns';
import { cachedClient, retryConfig } from './cached-client';

export const sns = cachedClient('AWS_ENDPOINT_URL_SNS', () => new SNSClient(retryConfig()));

import { S3Client } from '@aws-sdk/client-s3';
import { cachedClient, retryConfig } from './cached-client';

export const s3 = cachedClient('AWS_ENDPOINT_URL_S3', () => new S3Client(retryConfig()));

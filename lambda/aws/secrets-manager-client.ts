import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { cachedClient, retryConfig } from './cached-client';

export const secretsManager = cachedClient('AWS_ENDPOINT_URL_SECRETS_MANAGER', () => new SecretsManagerClient(retryConfig()));

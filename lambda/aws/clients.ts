import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * One SDK client per service, made on first use and reused across invocations, as Lambda wants.
 * A client is made again if its endpoint setting changes (only the local stand-ins do that, between runs).
 */
function cached<T>(endpointVariable: string, make: () => T): () => T {
  let client: T | undefined;
  let madeFor: string | undefined;
  return () => {
    const endpoint = process.env[endpointVariable] ?? process.env.AWS_ENDPOINT_URL;
    if (client === undefined || endpoint !== madeFor) {
      client = make();
      madeFor = endpoint;
    }
    return client;
  };
}

export const secretsManager = cached('AWS_ENDPOINT_URL_SECRETS_MANAGER', () => new SecretsManagerClient({}));
export const stepFunctions = cached('AWS_ENDPOINT_URL_SFN', () => new SFNClient({}));
export const kms = cached('AWS_ENDPOINT_URL_KMS', () => new KMSClient({}));

/** A required setting from the function's environment, with an error that says which. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`the function's environment lacks ${name} (set by the CDK construct)`);
  return value;
}

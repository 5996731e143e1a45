import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { KmsStandIn, type PresetKey } from '../../../local/aws/kms';
import { LocalLambda } from '../../../local/aws/lambda';
import { SecretsManagerStandIn } from '../../../local/aws/secrets-manager';
import { type LocalAws, startLocalAws } from '../../../local/aws/server';

/** The stand-ins behind one local endpoint, and real SDK clients pointed at it. */
export interface LocalAwsHarness {
  readonly aws: LocalAws;
  readonly lambda: LocalLambda;
  readonly secretsManager: SecretsManagerStandIn;
  readonly kms: KmsStandIn;
  readonly clients: { sm: SecretsManagerClient; kms: KMSClient; lambda: LambdaClient };
  stop(): Promise<void>;
}

export async function startHarness(options: { kmsKeys?: PresetKey[] } = {}): Promise<LocalAwsHarness> {
  const lambda = new LocalLambda();
  const secretsManager = new SecretsManagerStandIn({ invoker: lambda });
  const kms = new KmsStandIn({ keys: options.kmsKeys });
  const aws = await startLocalAws({ services: [secretsManager, kms], lambda });
  const config = {
    endpoint: aws.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIALOCAL', secretAccessKey: 'local' },
    maxAttempts: 1,
  };
  const clients = { sm: new SecretsManagerClient(config), kms: new KMSClient(config), lambda: new LambdaClient(config) };
  return {
    aws,
    lambda,
    secretsManager,
    kms,
    clients,
    async stop() {
      for (const client of Object.values(clients)) client.destroy();
      await aws.stop();
    },
  };
}

/** The error an SDK call rejects with (fails the test if it resolves). */
export async function sdkError(call: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

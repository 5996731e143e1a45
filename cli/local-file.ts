import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { UsageError } from './io';

/**
 * What a running local engine (`npm run local`) writes for `--local`: where its AWS stand-ins listen and what they
 * hold. References only: no password is in it.
 */
export interface LocalEngineFile {
  readonly pid: number;
  readonly region: string;
  /** Secrets Manager, Step Functions, Lambda and KMS stand-ins, one endpoint. */
  readonly endpoint: string;
  /** DynamoDB (dynalite): the device ledger. */
  readonly dynamoDbEndpoint: string;
  readonly consoleStateMachineArn: string;
  readonly rotationStateMachineArn: string;
  readonly rotationFunctionArn: string;
  readonly ledgerTable: string;
  readonly tagKey: string;
  readonly secrets: readonly { readonly name: string; readonly arn: string; readonly vendor: string; readonly device: string }[];
}

/** Where `npm run local` writes, and `--local` reads, by default (relative to the working directory). */
export const DEFAULT_LOCAL_FILE = path.join('.local', 'engine.json');

export function readLocalEngineFile(file: string): LocalEngineFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`--local: no local engine description at ${file}. Start the local engine first (\`npm run local\`, and leave it running), or pass --local-file <path>.`);
  }
  const parsed = JSON.parse(text) as LocalEngineFile;
  if (typeof parsed.endpoint !== 'string' || typeof parsed.consoleStateMachineArn !== 'string') {
    throw new UsageError(`--local: ${file} is not a local engine description (written by \`npm run local\`)`);
  }
  return parsed;
}

/** The environment that points the AWS SDK clients at a local engine, as `AWS_ENDPOINT_URL_<SERVICE>` does for any endpoint. */
export function localEngineEnvironment(engine: LocalEngineFile): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: engine.endpoint,
    AWS_ENDPOINT_URL_SFN: engine.endpoint,
    AWS_ENDPOINT_URL_LAMBDA: engine.endpoint,
    AWS_ENDPOINT_URL_KMS: engine.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: engine.dynamoDbEndpoint,
    AWS_REGION: engine.region,
    // The stand-ins do not check signatures; the SDK needs credentials to sign with.
    AWS_ACCESS_KEY_ID: 'AKIALOCALSTANDIN0000',
    AWS_SECRET_ACCESS_KEY: 'local-stand-in-secret-access-key',
  };
}

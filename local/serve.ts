/**
 * `npm run local`: the local engine as a long-running service, for the operator CLI's `--local`. Starts the AWS
 * stand-ins and the state machines CDK synthesizes (local/engine), one simulated device per vendor, and a device
 * secret for each (tagged with its vendor, rotation configured as `cdk deploy` leaves it), then writes where
 * everything listens to `.local/engine.json` (no password in it) and runs until Ctrl-C.
 */
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DEFAULT_TAG_KEY } from '../cli/deployment';
import { DEFAULT_LOCAL_FILE, type LocalEngineFile } from '../cli/local-file';
import { VENDORS } from '../lambda/device/types';
import { LOCAL_REGION } from './aws/protocol';
import { type LocalEngine, type LocalEngineOptions, startLocalEngine } from './engine/local-engine';
import { deviceSecretFor, type SimulatedDevice, startSimulator } from './simulators';

export interface LocalService {
  readonly engine: LocalEngine;
  readonly devices: readonly SimulatedDevice[];
  readonly description: LocalEngineFile;
  stop(): Promise<void>;
}

/** Starts the engine and one device (with its stored secret) per vendor; `file`, when given, gets the description. */
export async function startLocalService(
  options: { file?: string; engine?: LocalEngineOptions; password?: (vendor: string) => string } = {},
): Promise<LocalService> {
  const engine = await startLocalEngine({ retryIntervalMs: 100, ...options.engine });
  const devices: SimulatedDevice[] = [];
  const secrets: LocalEngineFile['secrets'][number][] = [];
  try {
    for (const vendor of VENDORS) {
      const password = options.password?.(vendor) ?? `Local!${randomBytes(6).toString('hex')}Q7`;
      const device = await startSimulator(vendor, { users: [{ username: 'admin', password }] });
      devices.push(device);
      const name = `devices/${vendor}`;
      const created = await engine.clients.secretsManager.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: JSON.stringify(deviceSecretFor(device, { username: 'admin', password })),
          Tags: [{ Key: DEFAULT_TAG_KEY, Value: vendor }],
        }),
      );
      // Rotation configured without rotating (testSecret alone), as deploying or enrolling leaves a secret.
      await engine.rotateSecret(created.ARN as string, { rotateImmediately: false });
      secrets.push({ name, arn: created.ARN as string, vendor, device: device.url });
    }
  } catch (error) {
    await Promise.all(devices.map((device) => device.stop()));
    await engine.stop();
    throw error;
  }
  const description: LocalEngineFile = {
    pid: process.pid,
    region: LOCAL_REGION,
    endpoint: engine.url,
    dynamoDbEndpoint: String(process.env.AWS_ENDPOINT_URL_DYNAMODB),
    consoleStateMachineArn: engine.consoleStateMachineArn,
    rotationStateMachineArn: engine.stateMachineArn,
    rotationFunctionArn: engine.rotationFunctionArn,
    ledgerTable: engine.ledgerTable,
    tagKey: DEFAULT_TAG_KEY,
    secrets,
  };
  if (options.file !== undefined) {
    mkdirSync(dirname(options.file), { recursive: true });
    writeFileSync(options.file, `${JSON.stringify(description, null, 2)}\n`);
  }
  return {
    engine,
    devices,
    description,
    async stop() {
      if (options.file !== undefined) rmSync(options.file, { force: true });
      await Promise.all(devices.map((device) => device.stop()));
      await engine.stop();
    },
  };
}

async function serve(argv: string[]): Promise<number> {
  const program = new Command('npm run local --')
    .description('Run the local engine and one simulated device per vendor until Ctrl-C, for `npx device-password-rotator … --local`.')
    .option('--file <path>', 'where to write the endpoints, state machine ARNs and secret names', DEFAULT_LOCAL_FILE)
    .option('--logs', 'print the functions\' own (JSON) log lines')
    .exitOverride();
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    return (error as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const options = program.opts<{ file: string; logs?: boolean }>();
  if (options.logs !== true) process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  console.log('Starting the local AWS stand-ins, the state machines CDK synthesizes and the simulated devices…');
  const service = await startLocalService({ file: options.file });
  const { description } = service;
  console.log(`\nAWS stand-ins           ${description.endpoint}  (Secrets Manager, Step Functions, Lambda, KMS)`);
  console.log(`DynamoDB                ${description.dynamoDbEndpoint}  (the device ledger, table ${description.ledgerTable})`);
  console.log(`console state machine   ${description.consoleStateMachineArn}`);
  console.log(`rotation state machine  ${description.rotationStateMachineArn}`);
  console.log('secrets (rotation configured, each on its simulated device):');
  for (const secret of description.secrets) console.log(`  ${secret.name.padEnd(36)} ${secret.device}`);
  console.log(`\nWritten to ${options.file}. In another terminal:`);
  console.log(`  npx device-password-rotator report --local`);
  console.log(`  npx device-password-rotator rotate ${description.secrets[0]?.name ?? '<secret>'} --local`);
  console.log('Ctrl-C stops it (and removes the file).');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await service.stop();
  return 0;
}

if (require.main === module) {
  serve(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`npm run local failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

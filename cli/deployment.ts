import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { retryConfig } from '../lambda/aws/cached-client';
import { describeAwsError, type OutputFormat, UsageError } from './io';
import { DEFAULT_LOCAL_FILE, localEngineEnvironment, readLocalEngineFile } from './local-file';

/** The options every command takes (before or after the command name). */
export interface GlobalOptions {
  readonly region?: string;
  readonly profile?: string;
  readonly stack?: string;
  readonly consoleStateMachineArn?: string;
  readonly ledgerTable?: string;
  readonly tagKey: string;
  readonly local?: boolean;
  readonly localFile?: string;
  readonly format: OutputFormat;
}

export const DEFAULT_TAG_KEY = 'device-password-rotator:vendor';

/** One deployed rotator, as the commands need it. */
export interface Deployment {
  readonly consoleStateMachineArn: string;
  readonly rotationStateMachineArn: string;
  /** Known from the stack outputs or the local engine; otherwise found from a secret's rotation function. */
  readonly rotationFunctionArn?: string;
  readonly ledgerTable?: string;
  readonly tagKey: string;
  readonly region?: string;
  readonly local: boolean;
  /** How often to poll a running execution. */
  readonly pollMs: number;
}

/**
 * Points the AWS SDK at the deployment the options name, the standard way (`AWS_REGION`, `AWS_PROFILE`, and
 * `AWS_ENDPOINT_URL_<SERVICE>` for `--local`), so that every client, the CLI's and the ledger's, takes the same
 * credential chain and endpoints against AWS and locally. Returns what undoes it.
 */
export function applyEnvironment(options: GlobalOptions): () => void {
  const changes: Record<string, string | undefined> = {};
  if (options.local === true || options.localFile !== undefined) {
    Object.assign(changes, localEngineEnvironment(readLocalEngineFile(localFileOf(options))), { AWS_PROFILE: undefined });
  } else {
    if (options.region !== undefined) changes.AWS_REGION = options.region;
    if (options.profile !== undefined) changes.AWS_PROFILE = options.profile;
  }
  const previous = Object.fromEntries(Object.keys(changes).map((key) => [key, process.env[key]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  set(changes);
  return () => set(previous);
}

function localFileOf(options: GlobalOptions): string {
  return options.localFile ?? DEFAULT_LOCAL_FILE;
}

/** The console state machine is named like the rotation state machine with `-console` (infra/state-machines.ts). */
export function rotationMachineOf(consoleStateMachineArn: string): string {
  if (!consoleStateMachineArn.endsWith('-console')) {
    throw new UsageError(`${consoleStateMachineArn} is not a console state machine ARN (its name ends in "-console"; the rotator's other state machine is for the rotation function only)`);
  }
  return consoleStateMachineArn.slice(0, -'-console'.length);
}

function outputNamed(outputs: Record<string, string>, pattern: RegExp): string | undefined {
  const key = Object.keys(outputs).find((name) => pattern.test(name));
  return key === undefined ? undefined : outputs[key];
}

async function fromStack(stackName: string): Promise<Record<string, string>> {
  const client = new CloudFormationClient(retryConfig());
  try {
    const answer = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs = answer.Stacks?.[0]?.Outputs ?? [];
    return Object.fromEntries(outputs.filter((o) => o.OutputKey !== undefined).map((o) => [o.OutputKey as string, o.OutputValue ?? '']));
  } catch (error) {
    const text = describeAwsError(error);
    if (/does not exist/.test(text)) throw new UsageError(`--stack ${stackName}: no such stack in region ${process.env.AWS_REGION ?? '(default)'} (${text})`);
    throw error;
  } finally {
    client.destroy();
  }
}

/** The deployment the options name: `--console-state-machine-arn`, `--local`, or `--stack` outputs, in that order. */
export async function resolveDeployment(options: GlobalOptions): Promise<Deployment> {
  const base = { tagKey: options.tagKey, region: process.env.AWS_REGION };
  if (options.local === true || options.localFile !== undefined) {
    const engine = readLocalEngineFile(localFileOf(options));
    return {
      ...base,
      consoleStateMachineArn: options.consoleStateMachineArn ?? engine.consoleStateMachineArn,
      rotationStateMachineArn: engine.rotationStateMachineArn,
      rotationFunctionArn: engine.rotationFunctionArn,
      ledgerTable: options.ledgerTable ?? engine.ledgerTable,
      tagKey: options.tagKey === DEFAULT_TAG_KEY ? engine.tagKey : options.tagKey,
      local: true,
      pollMs: 100,
    };
  }
  if (options.consoleStateMachineArn !== undefined) {
    return { ...base, consoleStateMachineArn: options.consoleStateMachineArn, rotationStateMachineArn: rotationMachineOf(options.consoleStateMachineArn), ledgerTable: options.ledgerTable, local: false, pollMs: 1000 };
  }
  if (options.stack !== undefined) {
    const outputs = await fromStack(options.stack);
    const consoleArn = outputNamed(outputs, /ConsoleStateMachineArn/i);
    if (consoleArn === undefined) {
      throw new UsageError(`--stack ${options.stack}: the stack has no output named like ConsoleStateMachineArn (outputs: ${Object.keys(outputs).join(', ') || 'none'}); pass --console-state-machine-arn`);
    }
    return {
      ...base,
      consoleStateMachineArn: consoleArn,
      rotationStateMachineArn: outputNamed(outputs, /^(?!.*Console).*StateMachineArn/i) ?? rotationMachineOf(consoleArn),
      rotationFunctionArn: outputNamed(outputs, /RotationFunctionArn/i),
      ledgerTable: options.ledgerTable ?? outputNamed(outputs, /Ledger.*(Table|Name)/i),
      local: false,
      pollMs: 1000,
    };
  }
  throw new UsageError('which rotator? Pass --stack <stack name>, --console-state-machine-arn <arn>, or --local (a local engine started with `npm run local`)');
}

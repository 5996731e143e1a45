import { KMSClient } from '@aws-sdk/client-kms';
import { CreateSecretCommand, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { Template } from 'aws-cdk-lib/assertions';
import { createRotatorApp } from '../../infra/app';
import { retryConfig } from '../../lambda/aws/cached-client';
import { createTableInput, startLocalDynamoDb } from '../aws/dynamodb';
import { KmsStandIn } from '../aws/kms';
import { type QuotaOptions, Quotas } from '../aws/quotas';
import { LocalLambda } from '../aws/lambda';
import { startLocalAws } from '../aws/server';
import { SecretsManagerStandIn } from '../aws/secrets-manager';
import { StepFunctionsStandIn } from '../aws/step-functions';
import { handlerFor } from './functions';
import { type CfnTemplate, workflowFromTemplate } from './synthesized-workflow';

export interface LocalEngineOptions {
  /** The synthesized template to run. Default: the project's stack, synthesized now (bundling skipped). */
  readonly template?: CfnTemplate;
  /** Every Retry interval of the state machine, in ms (the real ones are seconds). Default: 50. */
  readonly retryIntervalMs?: number;
  /** How often the rotation function polls its execution. Default: 20 ms. */
  readonly pollMs?: number;
  /** Deadline of one device request. Default: 3 000 ms. */
  readonly deviceRequestTimeoutMs?: number;
  /** Eventual consistency of ListExecutions and DescribeExecution (`StepFunctionsStandInOptions.listingLagMs`). Default: 0. */
  readonly listingLagMs?: number;
  /** API quotas (token buckets, `local/aws/quotas.ts`) on every AWS call the functions make. Default: none. */
  readonly quotas?: QuotaOptions;
  /** Secrets Manager's reattempts of a failed rotation (same token). Default: 0. */
  readonly rotationReattempts?: number;
  /**
   * Keep the event history of only the last this many ended executions (`StepFunctionsStandInOptions.retainEndedHistories`):
   * a local memory measure for fleet runs. Default: every history.
   */
  readonly retainEndedHistories?: number;
}

/** The project's CDK stack, synthesized offline without bundling, as a template. */
export function synthesizeRotatorTemplate(): CfnTemplate {
  const { stack } = createRotatorApp({ config: { secrets: [] }, context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(stack).toJSON() as CfnTemplate;
}

const SEAL_KEY_ID = '00000000-0000-4000-8000-5ea15ea15ea1';
const LEDGER_TABLE = 'DevicePasswordRotator-DeviceLedger';

/**
 * The whole product on one machine: the state machine definition CDK synthesizes, run by the Step Functions stand-in;
 * its Lambda tasks and Secrets Manager's rotation calls dispatched to the production handlers, unmodified; those reach
 * Secrets Manager, Step Functions and KMS stand-ins through the real AWS SDK clients (`AWS_ENDPOINT_URL_*`).
 * One engine per process at a time: the handlers read their settings from `process.env`, as in Lambda.
 */
export async function startLocalEngine(options: LocalEngineOptions = {}) {
  const workflow = workflowFromTemplate(options.template ?? synthesizeRotatorTemplate());
  const lambda = new LocalLambda();
  let rotationFunctionArn = '';
  const functionArns: Record<string, string> = {};
  for (const fn of workflow.functions) {
    const arn = lambda.register(fn.logicalId, await handlerFor(fn.kind), { timeoutMs: fn.kind === 'rotation' ? 15 * 60_000 : 60_000 });
    functionArns[fn.kind] = arn;
    if (fn.kind === 'rotation') rotationFunctionArn = arn;
  }
  if (rotationFunctionArn === '') throw new Error('the synthesized template has no function of kind "rotation"');

  const secrets = new SecretsManagerStandIn({ invoker: lambda, asynchronousRotation: true, rotationReattempts: options.rotationReattempts });
  const quotas = new Quotas(options.quotas);
  const kms = new KmsStandIn({ keys: [{ keyId: SEAL_KEY_ID, description: 'seals device sessions between states' }] });
  const stepFunctions = new StepFunctionsStandIn({
    invoker: lambda,
    retryIntervalMs: options.retryIntervalMs ?? 50,
    listingLagMs: options.listingLagMs,
    retainEndedHistories: options.retainEndedHistories,
  });
  const stateMachineArn = stepFunctions.addStateMachine({ name: 'DevicePasswordRotator', definition: workflow.definitions.rotation });
  const consoleStateMachineArn = stepFunctions.addStateMachine({ name: 'DevicePasswordRotator-console', definition: workflow.definitions.console });
  const server = await startLocalAws({ services: [secrets, kms, stepFunctions], lambda, quotas });
  const dynamoDb = await startLocalDynamoDb();
  await dynamoDb.createTable(createTableInput(LEDGER_TABLE, workflow.ledgerTable.properties));

  const environment: Record<string, string> = {
    ...server.endpointEnv(),
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.url,
    LEDGER_TABLE,
    LEASE_SECONDS: '3600',
    STATE_MACHINE_ARN: stateMachineArn,
    SEAL_KEY_ID: kms.keyArn(SEAL_KEY_ID),
    EXECUTION_POLL_MS: String(options.pollMs ?? 20),
    DEVICE_REQUEST_TIMEOUT_MS: String(options.deviceRequestTimeoutMs ?? 3_000),
    POWERTOOLS_SERVICE_NAME: 'device-password-rotator',
    PRIVILEGED_SECRETS: '[]',
  };
  const previous = Object.fromEntries(Object.keys(environment).map((key) => [key, process.env[key]]));
  Object.assign(process.env, environment);

  // The engine's own clients retry as the functions' do: its quotas apply to them too.
  const clients = {
    secretsManager: new SecretsManagerClient(retryConfig()),
    stepFunctions: new SFNClient(retryConfig()),
    kms: new KMSClient(retryConfig()),
  };

  async function waitForExecution(executionArn: string): Promise<DescribeExecutionCommandOutput> {
    for (;;) {
      const described = await clients.stepFunctions.send(new DescribeExecutionCommand({ executionArn }));
      if (described.status !== 'RUNNING') return described;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async function history(executionArn: string): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await clients.stepFunctions.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }));
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    return events;
  }

  /** The ARN of every execution of both state machines, all pages. */
  async function executionArns(): Promise<string[]> {
    const arns: string[] = [];
    for (const machine of [stateMachineArn, consoleStateMachineArn]) {
      let nextToken: string | undefined;
      do {
        const page = await clients.stepFunctions.send(new ListExecutionsCommand({ stateMachineArn: machine, maxResults: 1000, nextToken }));
        for (const execution of page.executions ?? []) arns.push(execution.executionArn as string);
        nextToken = page.nextToken;
      } while (nextToken !== undefined);
    }
    return arns;
  }

  async function startAndWait(machine: string, input: Record<string, unknown>, name?: string) {
    const started = await clients.stepFunctions.send(new StartExecutionCommand({ stateMachineArn: machine, input: JSON.stringify(input), name }));
    const arn = started.executionArn as string;
    const ended = await waitForExecution(arn);
    return { arn, status: ended.status, output: ended.output, error: ended.error, cause: ended.cause, history: await history(arn) };
  }

  return {
    /** The options the engine was started with. */
    options,
    url: server.url,
    /** The rotation function's state machine (set, test). */
    stateMachineArn,
    /** The operators' state machine (rotate, verify). */
    consoleStateMachineArn,
    ledgerTable: LEDGER_TABLE,
    rotationFunctionArn,
    /** Every function of the template, by FUNCTION_KIND (the notifier, the pending scan, …). */
    functionArns,
    definition: workflow.definition,
    definitions: workflow.definitions,
    secrets,
    stepFunctions,
    lambda,
    clients,
    /** AWS API calls the stand-ins answered so far, by operation. */
    apiCalls: () => server.calls(),

    /**
     * The privileged secrets of this deployment (construct prop `privilegedSecrets`): the device functions use no other
     * for a privileged reset. The construct sets this list at deploy time; locally, secrets are made at run time.
     */
    configurePrivilegedSecrets(arns: readonly string[]): void {
      process.env.PRIVILEGED_SECRETS = JSON.stringify(arns);
    },

    /** Stores a device secret (its AWSCURRENT version) and returns its ARN. */
    async createDeviceSecret(name: string, value: Record<string, unknown>): Promise<string> {
      const created = await clients.secretsManager.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }));
      return created.ARN as string;
    },

    /**
     * `RotateSecret` as a schedule (or an operator) triggers it: Secrets Manager calls the four steps, after the call
     * has returned (and reattempts a failed rotation when `rotationReattempts` says so); resolves once they have ended.
     */
    async rotateSecret(secretArn: string, settings: { rotateImmediately?: boolean; rotationFunctionArn?: string } = {}): Promise<void> {
      await clients.secretsManager.send(
        new RotateSecretCommand({
          SecretId: secretArn,
          RotationLambdaARN: settings.rotationFunctionArn ?? rotationFunctionArn,
          RotationRules: { AutomaticallyAfterDays: 30 },
          RotateImmediately: settings.rotateImmediately ?? true,
        }),
      );
      await secrets.rotationSettled(secretArn);
    },

    /** The endpoint's API quotas: throttle whole services for a while, read what was throttled. */
    quotas,

    /** An execution of the console state machine, as an operator starts one; resolves when it has ended. */
    runExecution: (input: Record<string, unknown>, name?: string) => startAndWait(consoleStateMachineArn, input, name),

    /** An execution of the rotation state machine, as only the rotation function may start one (tests of that surface). */
    runRotationExecution: (input: Record<string, unknown>, name?: string) => startAndWait(stateMachineArn, input, name),

    waitForExecution,
    history,

    /** What Secrets Manager holds for a secret: its versions, and the password at each stage (undefined if none or unreadable). */
    stored(secretArn: string) {
      const versions = secrets.versions(secretArn);
      const withStage = (stage: string) => versions.find((version) => version.VersionStages.includes(stage));
      const passwordOf = (secretString: string | undefined): string | undefined => {
        try {
          const parsed = JSON.parse(secretString ?? '') as { password?: unknown };
          return typeof parsed.password === 'string' ? parsed.password : undefined;
        } catch {
          return undefined;
        }
      };
      const password = (stage: string) => passwordOf(withStage(stage)?.SecretString);
      return {
        versions,
        withStage,
        current: password('AWSCURRENT'),
        pending: password('AWSPENDING'),
        previous: password('AWSPREVIOUS'),
        all: versions.map((version) => passwordOf(version.SecretString)).filter((p): p is string => p !== undefined),
      };
    },

    executionArns,

    /** Every execution's full history, as JSON text: what a leak scan reads. */
    async allHistoriesText(): Promise<string> {
      const texts = await Promise.all((await executionArns()).map(async (arn) => JSON.stringify(await history(arn))));
      return texts.join('\n');
    },

    async stop(): Promise<void> {
      await server.stop();
      await dynamoDb.stop();
      for (const [key, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    },
  };
}

export type LocalEngine = Awaited<ReturnType<typeof startLocalEngine>>;

import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient, StartExecutionCommand, StateMachineDoesNotExist } from '@aws-sdk/client-sfn';
import { randomBytes } from 'node:crypto';
import { retryConfig } from '../lambda/aws/cached-client';
import { failureAction } from '../lambda/failure-actions';
import type { CliContext } from './context';
import { ActionFailedError, UsageError } from './io';
import { formatLine, followExecution, stateLines } from './progress';
import { describeNamedSecret, pendingToken, versionWithStage } from './secret-ref';

/** The console state machine's operator actions (README "Console inputs"). */
export type ConsoleAction = 'rotate' | 'verify' | 'abandon';

/** Where an execution is in the Step Functions console. */
export function consoleLink(executionArn: string, region: string | undefined): string | undefined {
  if (region === undefined) return undefined;
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${encodeURIComponent(executionArn)}`;
}

/**
 * Starts one console execution (`{"action", "secretArn"}`), follows it state by state, then says how it ended and,
 * if it failed, what to do. Throws `ActionFailedError` (exit 1) for an execution that did not succeed.
 */
export async function runConsoleAction(context: CliContext, action: ConsoleAction, secretId: string): Promise<void> {
  const { io } = context;
  const deployment = await context.deployment();
  const secretsManager = new SecretsManagerClient(retryConfig());
  const stepFunctions = new SFNClient(retryConfig());
  try {
    const secret = await describeNamedSecret(secretsManager, secretId);
    const name = `cli-${action}-${new Date().toISOString().replace(/[^0-9]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
    let executionArn: string;
    try {
      const started = await stepFunctions.send(
        new StartExecutionCommand({ stateMachineArn: deployment.consoleStateMachineArn, name, input: JSON.stringify({ action, secretArn: secret.ARN }) }),
      );
      executionArn = started.executionArn as string;
    } catch (error) {
      if (error instanceof StateMachineDoesNotExist) throw new UsageError(`no console state machine ${deployment.consoleStateMachineArn} (region ${deployment.region ?? 'default'}): check --stack / --console-state-machine-arn`);
      throw error;
    }
    io.out(`${action} ${secret.Name}  (${secret.ARN})`);
    io.out(`  execution ${name}`);
    const link = deployment.local ? undefined : consoleLink(executionArn, deployment.region);
    if (link !== undefined) io.out(`  ${link}`);
    const { described, history } = await followExecution(stepFunctions, executionArn, io.out, deployment.pollMs);
    const seconds = ((Number(described.stopDate ?? Date.now()) - Number(described.startDate ?? Date.now())) / 1000).toFixed(1);

    if (described.status === 'SUCCEEDED') {
      const after = await describeNamedSecret(secretsManager, secret.ARN);
      io.out(`${action}: SUCCEEDED in ${seconds} s`);
      const outcome = outcomeOf(described.output);
      if (outcome !== undefined) io.out(`  outcome     ${outcome}`);
      io.out(`  AWSCURRENT  ${versionWithStage(after, 'AWSCURRENT') ?? '(none)'}`);
      io.out(`  AWSPREVIOUS ${versionWithStage(after, 'AWSPREVIOUS') ?? '(none)'}`);
      const pending = pendingToken(after);
      io.out(`  AWSPENDING  ${pending === undefined ? '(none: no rotation pending)' : `${pending} (a rotation is pending)`}`);
      return;
    }

    const failed = stateLines(name, history).filter((line) => line.outcome === 'failed').at(-1);
    const error = described.error ?? described.status ?? 'unknown';
    io.out(`${action}: ${described.status} after ${seconds} s`);
    if (failed !== undefined) io.out(`  failed state: ${formatLine(failed).trim()}`);
    io.out(`  error: ${error}`);
    if (described.cause !== undefined && described.cause !== '') io.out(`  cause: ${described.cause}`);
    if (error === 'InvalidExecutionInput') {
      throw new ActionFailedError(
        `the console state machine refused the input {"action": "${action}", "secretArn": "${secret.ARN}"} (InvalidExecutionInput): the deployed version does not run "${action}"`,
        `deploy the current version of the stack (\`npx cdk deploy\`), which runs "${action}"; nothing was done to the secret or the device`,
      );
    }
    throw new ActionFailedError(`${action} of ${secret.Name} ${described.status}: ${error}`, failureAction(error));
  } finally {
    secretsManager.destroy();
    stepFunctions.destroy();
  }
}

/** The `outcome` an action reports in its output (abandon: finished, pending-removed, nothing-to-abandon; heartbeat). */
function outcomeOf(output: string | undefined): string | undefined {
  try {
    const outcome = (JSON.parse(output ?? '') as { outcome?: unknown }).outcome;
    return typeof outcome === 'string' ? outcome : undefined;
  } catch {
    return undefined;
  }
}

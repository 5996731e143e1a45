import * as z from '../validation/zod';
import { requiredEnv } from '../aws/required-env';
import { parseInput, secretArnField as secretArn, tokenField } from '../rotation/task-input';
import {
  createSecret,
  describeDevice,
  finishRotation,
  finishSecret,
  type LeaseSettings,
  prepareRotation,
  releaseDevice,
  setSecret,
  type StepEvent,
  testSecret,
  type WorkflowSettings,
} from '../rotation/rotation-steps';
import { ledgerFromEnv } from '../ledger/ledger-env';
import { abandonSettleInput, abandonStartInput, settleAbandon, startAbandon } from '../rotation/abandon';
import { operationHandler } from './task-handler';
import type { Context } from 'aws-lambda';

const stepEvent = z.object({
  Step: z.enum(['createSecret', 'setSecret', 'testSecret', 'finishSecret']),
  SecretId: z.string().check(z.minLength(1)),
  ClientRequestToken: z.string().check(z.minLength(1)),
  RotationToken: z.optional(z.string()),
});
/** A console input may name the secret by ARN, partial ARN or name: `describe` resolves it to the full ARN once. */
const secretId = z.string().check(z.minLength(1), z.maxLength(2048));
const describeInput = z.object({
  operation: z.literal('describe'),
  secretArn: secretId,
  action: z.optional(z.string()),
  execution: z.optional(z.string()),
});
const releaseInput = z.object({ operation: z.literal('release'), secretArn, execution: z.string().check(z.minLength(1)) });
const prepareInput = z.object({ operation: z.literal('prepare'), secretArn });
const finishInput = z.object({ operation: z.literal('finish'), secretArn, token: tokenField });

/** Safety margin kept from the Lambda timeout when waiting for an execution. */
const MARGIN_MS = 10_000;

function workflow(context: Context): WorkflowSettings {
  const pollMs = Number(process.env.EXECUTION_POLL_MS);
  return {
    stateMachineArn: requiredEnv('STATE_MACHINE_ARN'),
    pollMs: Number.isFinite(pollMs) && pollMs > 0 ? pollMs : 2_000,
    timeLeftMs: () => context.getRemainingTimeInMillis() - MARGIN_MS,
  };
}

function leaseSettings(): LeaseSettings {
  const seconds = Number(process.env.LEASE_SECONDS);
  return { ledger: ledgerFromEnv(), leaseMs: (Number.isFinite(seconds) && seconds > 0 ? seconds : 3600) * 1000 };
}

const step = (input: unknown): StepEvent => parseInput(stepEvent, input, 'rotation event');

/**
 * The Secrets Manager rotation function. It never talks to a device: `setSecret` and `testSecret` hand the device
 * work to the state machine and wait for it. It also serves the state machine's own tasks: `describe` (route by vendor),
 * `prepare` / `finish` around a console `rotate`, and `abandon-start` / `abandon-settle` around a console `abandon`.
 */
export const handler = operationHandler({
  createSecret: (input) => createSecret(step(input)),
  setSecret: (input, context) => setSecret(step(input), workflow(context)),
  testSecret: (input, context) => testSecret(step(input), workflow(context)),
  finishSecret: (input) => finishSecret(step(input)),
  describe: (input) => {
    const { secretArn: arn, action, execution } = parseInput(describeInput, input, 'describe input');
    return describeDevice(arn, { action, executionArn: execution }, leaseSettings());
  },
  release: (input) => {
    const { secretArn: arn, execution } = parseInput(releaseInput, input, 'release input');
    return releaseDevice(arn, execution, ledgerFromEnv());
  },
  prepare: (input) => prepareRotation(parseInput(prepareInput, input, 'prepare input').secretArn),
  finish: (input) => {
    const { secretArn: arn, token } = parseInput(finishInput, input, 'finish input');
    return finishRotation(arn, token);
  },
  'abandon-start': (input) => startAbandon(parseInput(abandonStartInput, input, 'abandon-start input'), leaseSettings()),
  'abandon-settle': (input) => settleAbandon(parseInput(abandonSettleInput, input, 'abandon-settle input'), leaseSettings()),
});

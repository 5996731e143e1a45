import {
  GetRandomPasswordCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import { secretsManager } from '../aws/secrets-manager-client';
import {
  AWSCURRENT,
  AWSPENDING,
  describeSecret,
  readDeviceSecret,
  requireDeviceSecret,
  type SecretDescription,
  versionWithStage,
} from '../aws/secret-versions';
import { generationPolicyOf, withPassword } from '../secret/device-secret';
import { randomPasswordRequest } from '../secret/password-policy';
import { accountOf } from '../ledger/account';
import type { DeviceLedger } from '../ledger/device-ledger';
import { changesDevice, takeDeviceLease } from './device-lease';
import { RotationStateError } from './errors';
import { ACTION_OF, parseRotationExecutionName, rotationExecutionBase, secretTag } from './execution-names';
import { runExecution } from './executions';

export interface WorkflowSettings {
  readonly stateMachineArn: string;
  readonly pollMs: number;
  readonly timeLeftMs: () => number;
}

export interface StepEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
}

export type StepResult = { readonly done: 'nothing-to-do' | 'kept' | 'created' | 'set' | 'tested' | 'finished' };

/**
 * The guards every step runs first, as the reference rotation functions do. `undefined`: the token is already
 * AWSCURRENT, so this is a replay and there is nothing to do.
 */
async function guard(event: StepEvent, options: { requireRotationEnabled: boolean }): Promise<SecretDescription | undefined> {
  const secret = await describeSecret(event.SecretId);
  if (options.requireRotationEnabled && !secret.rotationEnabled) {
    throw new RotationStateError(secret.arn, 'rotation is not enabled on this secret; enable it (or start a console "rotate") to rotate');
  }
  const stages = secret.versionStages[event.ClientRequestToken];
  if (stages === undefined) throw new RotationStateError(secret.arn, `ClientRequestToken ${event.ClientRequestToken} is not a version of the secret`);
  if (stages.includes(AWSCURRENT)) return undefined;
  if (!stages.includes(AWSPENDING)) {
    throw new RotationStateError(secret.arn, `version ${event.ClientRequestToken} is not staged AWSPENDING, so it is not being rotated to`);
  }
  return secret;
}

/** createSecret: keep a pending value already made for this token (a retry); otherwise generate and store one. */
export async function createSecret(event: StepEvent): Promise<StepResult> {
  const secret = await guard(event, { requireRotationEnabled: true });
  if (secret === undefined) return { done: 'nothing-to-do' };
  return createPending(secret.arn, event.ClientRequestToken);
}

async function createPending(secretArn: string, token: string): Promise<StepResult> {
  const current = await requireDeviceSecret(secretArn, { stage: AWSCURRENT });
  if ((await readDeviceSecret(secretArn, { token })) !== undefined) return { done: 'kept' };
  const generated = await secretsManager().send(new GetRandomPasswordCommand(randomPasswordRequest(generationPolicyOf(current))));
  if (generated.RandomPassword === undefined) throw new Error('Secrets Manager GetRandomPassword returned no password');
  try {
    await secretsManager().send(
      new PutSecretValueCommand({
        SecretId: secretArn,
        ClientRequestToken: token,
        SecretString: JSON.stringify(withPassword(current, generated.RandomPassword)),
        VersionStages: [AWSPENDING],
      }),
    );
  } catch (error) {
    // A concurrent createSecret for the same token stored its value first: that value stands.
    if (error instanceof ResourceExistsException) return { done: 'kept' };
    throw error;
  }
  return { done: 'created' };
}

/** setSecret: the device work, done by the state machine; waits for the execution named from the token. */
export async function setSecret(event: StepEvent, workflow: WorkflowSettings): Promise<StepResult> {
  const secret = await guard(event, { requireRotationEnabled: true });
  if (secret === undefined) return { done: 'nothing-to-do' };
  await runExecution({
    ...workflow,
    baseName: rotationExecutionBase('set', secret.arn, event.ClientRequestToken),
    input: { action: 'set', secretArn: secret.arn, token: event.ClientRequestToken },
    secretArn: secret.arn,
  });
  return { done: 'set' };
}

/**
 * testSecret: the pending password logs in (the state machine's verify path). Called alone, with no pending value
 * (`RotateSecret` with `RotateImmediately=false`), it checks that AWSCURRENT logs in: it never changes a device.
 */
export async function testSecret(event: StepEvent, workflow: WorkflowSettings): Promise<StepResult> {
  const secret = await guard(event, { requireRotationEnabled: true });
  if (secret === undefined) return { done: 'nothing-to-do' };
  const hasPendingValue = (await readDeviceSecret(secret.arn, { token: event.ClientRequestToken })) !== undefined;
  await runExecution({
    ...workflow,
    baseName: rotationExecutionBase(hasPendingValue ? 'test' : 'check', secret.arn, event.ClientRequestToken),
    input: hasPendingValue
      ? { action: 'test', secretArn: secret.arn, token: event.ClientRequestToken }
      : { action: 'verify', secretArn: secret.arn },
    secretArn: secret.arn,
  });
  return { done: 'tested' };
}

/** finishSecret: AWSCURRENT moves to the token; Secrets Manager puts AWSPREVIOUS on the version it leaves. */
export async function finishSecret(event: StepEvent): Promise<StepResult> {
  const secret = await guard(event, { requireRotationEnabled: true });
  if (secret === undefined) return { done: 'nothing-to-do' };
  await moveCurrent(secret, event.ClientRequestToken);
  return { done: 'finished' };
}

async function moveCurrent(secret: SecretDescription, token: string): Promise<void> {
  await secretsManager().send(
    new UpdateSecretVersionStageCommand({
      SecretId: secret.arn,
      VersionStage: AWSCURRENT,
      MoveToVersionId: token,
      RemoveFromVersionId: versionWithStage(secret, AWSCURRENT),
    }),
  );
}

/** Console `rotate`, first task: resume the rotation already pending, or start one with a new token. */
export async function prepareRotation(secretArn: string): Promise<{ token: string; resumed: boolean }> {
  const secret = await describeSecret(secretArn);
  if (!secret.rotationEnabled) {
    throw new RotationStateError(secret.arn, 'rotation is not enabled on this secret (turned off on purpose?); enable rotation to rotate it');
  }
  const current = versionWithStage(secret, AWSCURRENT);
  const pending = versionWithStage(secret, AWSPENDING);
  const resumed = pending !== undefined && pending !== current;
  const token = resumed ? pending : randomUUID();
  await createPending(secret.arn, token);
  return { token, resumed };
}

/** Console `rotate`, last task: finish as Secrets Manager would, AWSPENDING removed, so no rotation looks stuck. */
export async function finishRotation(secretArn: string, token: string): Promise<{ finished: true }> {
  const secret = await guard({ SecretId: secretArn, ClientRequestToken: token }, { requireRotationEnabled: false });
  if (secret !== undefined) await moveCurrent(secret, token);
  const after = await describeSecret(secretArn);
  if (after.versionStages[token]?.includes(AWSPENDING)) {
    await secretsManager().send(new UpdateSecretVersionStageCommand({ SecretId: after.arn, VersionStage: AWSPENDING, RemoveFromVersionId: token }));
  }
  return { finished: true };
}

/** What the rotation function's state-machine tasks need: the ledger, and how long a lease lasts. */
export interface LeaseSettings {
  readonly ledger: DeviceLedger;
  /** The state machine's timeout: no execution outlives it. */
  readonly leaseMs: number;
}

/**
 * What the workflow needs to route an execution: the secret's full ARN (the input may give a name or a partial ARN,
 * resolved here once), the vendor, and where the device is. Validates the secret. For an execution that may change
 * the device, also takes the account's lease in the device ledger: no other execution is changing it.
 */
export async function describeDevice(
  secretId: string,
  execution: { action?: string; executionArn?: string },
  lease: LeaseSettings,
): Promise<{ secretArn: string; vendor: string; host: string; port: number; conversation: { maxRestarts?: number } }> {
  const secret = await describeSecret(secretId);
  const current = await requireDeviceSecret(secret.arn, { stage: AWSCURRENT });
  refuseMisusedReservedName(secret.arn, secretId, execution);
  if (changesDevice(execution.action) && !secret.rotationEnabled) {
    throw new RotationStateError(secret.arn, 'rotation is not enabled on this secret (turned off on purpose?); nothing was done. Enable rotation to change its device password');
  }
  if (changesDevice(execution.action) && execution.executionArn !== undefined) {
    await takeDeviceLease({ ledger: lease.ledger, secretArn: secret.arn, account: accountOf(current), executionArn: execution.executionArn, leaseMs: lease.leaseMs });
  }
  // The device's own bound on conversation restarts, when its secret sets one (the workflow's default otherwise).
  const conversation = current.conversation?.maxRestarts === undefined ? {} : { maxRestarts: current.conversation.maxRestarts };
  return { secretArn: secret.arn, vendor: current.vendor, host: current.host, port: current.port ?? 443, conversation };
}

/** The end of an execution that changed the device: its lease on the account is given back. */
export async function releaseDevice(secretArn: string, executionArn: string, ledger: DeviceLedger): Promise<{ released: true }> {
  const current = await requireDeviceSecret(secretArn, { stage: AWSCURRENT });
  await ledger.releaseLease(accountOf(current), executionArn);
  return { released: true };
}

/**
 * A reserved execution name (see execution-names.ts) must be for this secret and run its purpose's action. The tag may
 * be of the resolved ARN or of the id the input gave (the heartbeat names a secret the stack lists by partial ARN so).
 */
function refuseMisusedReservedName(secretArn: string, givenId: string, execution: { action?: string; executionArn?: string }): void {
  const name = execution.executionArn?.split(':').pop() ?? '';
  const reserved = parseRotationExecutionName(name);
  if (reserved === undefined) return;
  if (![secretTag(secretArn), secretTag(givenId)].includes(reserved.tag) || execution.action !== ACTION_OF[reserved.purpose]) {
    throw new RotationStateError(
      secretArn,
      `execution name "${name}" has the shape reserved for the rotation function's "${reserved.purpose}" executions of another secret or action; ` +
        'nothing was done. Start console executions with another name (or none).',
    );
  }
}

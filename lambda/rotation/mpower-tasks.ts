import * as z from '../validation/zod';
import { requireDeviceSecret } from '../aws/secret-versions';
import { type SealContext, seal, unseal } from '../aws/seal';
import { MPOWER_MAX_ANSWERS, type MPowerClient, type PromptKind } from '../device/vendors/mpower';
import type { DeviceSecret } from '../secret/device-secret';
import { InvalidInputError } from './errors';
import { DeviceTasks, type Located, mayChangeDevice, refOf } from './device-tasks';
import { secretArnField, tokenField } from './task-input';

/**
 * MultiTech mPower's password conversation, one state per step. What must survive between states (the session token,
 * the `aasID`) travels sealed (`lambda/aws/seal.ts`); the prompt kind travels in the clear, it says nothing secret.
 */
const common = {
  secretArn: secretArnField,
  token: tokenField,
  from: z.enum(['current', 'previous']),
  execution: z.string().check(z.minLength(1)),
};
const sealed = z.string().check(z.startsWith('sealed:', { message: 'must be a sealed value' }));
const answerable = z.enum(['acknowledge', 'current-password', 'new-password', 'retype-password']);

export const loginInput = z.object({ operation: z.literal('mpower-login'), secretArn: secretArnField, token: tokenField, execution: common.execution });
export const openInput = z.object({ operation: z.literal('mpower-open'), ...common, session: sealed });
export const answerInput = z.object({
  operation: z.literal('mpower-answer'),
  ...common,
  session: sealed,
  conversation: sealed,
  prompt: answerable,
  answers: z.number().check(z.int(), z.minimum(0)),
});

/** The conversation as the state machine carries it. `answers` bounds the loop. */
export interface ConversationState {
  readonly session: string;
  readonly conversation?: string;
  readonly prompt?: PromptKind;
  readonly answers: number;
}

/** The first step: which stored version logs in, and (unless the pending one does: already changed) its session, sealed. */
export interface LoginState {
  readonly located: Located;
  readonly session?: string;
}

export class MPowerTasks {
  private readonly devices: DeviceTasks;

  constructor(private readonly clientFor: (secret: DeviceSecret) => MPowerClient) {
    this.devices = new DeviceTasks(clientFor);
  }

  /** Finds which stored version logs in (`DeviceTasks.locate`); the login that finds it is the conversation's. */
  async login(input: z.infer<typeof loginInput>): Promise<LoginState> {
    const found = await this.devices.locate(input, (from) =>
      mayChangeDevice(input.secretArn, () => this.clientFor(from).login({ username: from.username, password: from.password })),
    );
    if (found.located === 'pending') return { located: 'pending' };
    return { located: found.located, session: await seal(found.result.token, sealContext(input)) };
  }

  async open(input: z.infer<typeof openInput>): Promise<ConversationState> {
    const from = await requireDeviceSecret(input.secretArn, refOf(input.from, input.token));
    const session = { token: await unseal(input.session, sealContext(input)) };
    const step = await mayChangeDevice(input.secretArn, () => this.clientFor(from).openConversation(session, from.username));
    return { session: input.session, conversation: await seal(step.aasId, sealContext(input)), prompt: step.prompt.kind, answers: 0 };
  }

  /** Answers the prompt the previous step returned; when the device reports success, logs out. */
  async answer(input: z.infer<typeof answerInput>): Promise<ConversationState> {
    if (input.answers >= MPOWER_MAX_ANSWERS) {
      throw new InvalidInputError(`Secret ${input.secretArn}`, [`the password conversation did not end within ${MPOWER_MAX_ANSWERS} answers`]);
    }
    const context = sealContext(input);
    const from = await requireDeviceSecret(input.secretArn, refOf(input.from, input.token));
    const pending = await requireDeviceSecret(input.secretArn, { token: input.token }, { retryMissing: true });
    const client = this.clientFor(from);
    const session = { token: await unseal(input.session, context) };
    const aasId = await unseal(input.conversation, context);
    const step = await mayChangeDevice(input.secretArn, () =>
      client.answerPrompt(session, {
        username: from.username,
        aasId,
        prompt: { kind: input.prompt, text: '' },
        currentPassword: from.password,
        newPassword: pending.password,
      }),
    );
    if (step.prompt.kind === 'done') await client.logout(session, [from.password, pending.password, aasId]);
    return { session: input.session, conversation: input.conversation, prompt: step.prompt.kind, answers: input.answers + 1 };
  }
}

function sealContext(input: { secretArn: string; execution: string }): SealContext {
  return { secretArn: input.secretArn, execution: input.execution };
}

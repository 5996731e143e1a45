import * as z from '../../validation/zod';
import { AWSCURRENT, requireDeviceVersion } from '../../aws/secret-versions';
import { type SealContext, seal, unseal } from '../../aws/seal';
import { MPOWER_MAX_ANSWERS, type MPowerClient, type PromptKind } from './client';
import { type DeviceSecret, withPassword } from '../../secret/device-secret';
import { InvalidInputError } from '../../rotation/errors';
import { afterDeviceCall, type DeviceTaskSettings, DeviceTasks, type Located, mayChangeDevice, mayHaveChanged, refOf } from '../../rotation/device-tasks';
import { secretArnField, tokenField } from '../../rotation/task-input';

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

export const loginInput = z.object({ operation: z.literal('conversation-login'), secretArn: secretArnField, token: tokenField, execution: common.execution });
export const openInput = z.object({ operation: z.literal('conversation-open'), ...common, session: sealed });
export const answerInput = z.object({
  operation: z.literal('conversation-answer'),
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

  constructor(
    private readonly clientFor: (secret: DeviceSecret) => MPowerClient,
    settings: DeviceTaskSettings,
  ) {
    this.devices = new DeviceTasks(clientFor, settings);
  }

  /** Finds which stored version logs in (`DeviceTasks.locate`); the login that finds it is the conversation's. */
  async login(input: z.infer<typeof loginInput>): Promise<LoginState> {
    // The login changes nothing: the change is noted when the answer that makes it (the retype) is sent.
    const found = await this.devices.locate(input, (from) => this.clientFor(from).login({ username: from.username, password: from.password }), {
      actChanges: false,
    });
    if (found.located === 'pending') return { located: 'pending' };
    return { located: found.located, session: await seal(found.result.token, sealContext(input)) };
  }

  async open(input: z.infer<typeof openInput>): Promise<ConversationState> {
    const from = await this.identityWithPasswordOf(input, input.from);
    const session = { token: await unseal(input.session, sealContext(input)) };
    const client = this.clientFor(from);
    const step = await this.loggingOutOnFailure(client, session, [from.password], () =>
      mayChangeDevice(input.secretArn, () => client.openConversation(session, from.username)),
    );
    return { session: input.session, conversation: await seal(step.aasId, sealContext(input)), prompt: step.prompt.kind, answers: 0 };
  }

  /** The rotation's identity (AWSCURRENT's) with the password of version `located`; the version must be the same account. */
  private async identityWithPasswordOf(input: { secretArn: string; token: string }, located: Located): Promise<DeviceSecret> {
    const current = await requireDeviceVersion(input.secretArn, { stage: AWSCURRENT });
    if (located === 'current') return current.secret;
    const version = await requireDeviceVersion(input.secretArn, refOf(located, input.token), { retryMissing: located === 'pending' });
    this.devices.requireSameAccount(input.secretArn, current, version, located === 'pending' ? 'the pending version' : 'AWSPREVIOUS');
    return withPassword(current.secret, version.secret.password);
  }

  /** A failed step ends the device session (best effort): the restart logs in afresh, and a live session is a credential. */
  private async loggingOutOnFailure<T>(client: MPowerClient, session: { token: string }, secrets: readonly string[], step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      await client.logout(session, secrets).catch(() => undefined);
      throw error;
    }
  }

  /** Answers the prompt the previous step returned; when the device reports success, logs out. */
  async answer(input: z.infer<typeof answerInput>): Promise<ConversationState> {
    if (input.answers >= MPOWER_MAX_ANSWERS) {
      throw new InvalidInputError(`Secret ${input.secretArn}`, [`the password conversation did not end within ${MPOWER_MAX_ANSWERS} answers`], input.secretArn);
    }
    const context = sealContext(input);
    const from = await this.identityWithPasswordOf(input, input.from);
    const pending = await this.identityWithPasswordOf(input, 'pending');
    const client = this.clientFor(from);
    const session = { token: await unseal(input.session, context) };
    const aasId = await unseal(input.conversation, context);
    // The retype is the answer that changes the password: noted in the ledger first, so that whatever happens to its
    // answer, the next search tries the pending version first.
    const changes = input.prompt === 'retype-password';
    const logins = this.devices.loginsOf(input.secretArn, from, input.execution, client);
    if (changes) await logins.noteChangeSent(input.token);
    const send = () =>
      client.answerPrompt(session, {
        username: from.username,
        aasId,
        prompt: { kind: input.prompt, text: '' },
        currentPassword: from.password,
        newPassword: pending.password,
      });
    const step = await this.loggingOutOnFailure(client, session, [from.password, pending.password, aasId], async () => {
      try {
        // PAM checks the current password as a login does: that answer goes through the account's budget, and a
        // refusal (or PAM's ambiguous final status) is charged like a refused (or unknown) login.
        return input.prompt === 'current-password' ? await logins.call({ what: `current password (${input.from}) answered in the password conversation` }, send) : await send();
      } catch (error) {
        const routed = afterDeviceCall(input.secretArn, error);
        if (changes && !mayHaveChanged(routed)) await logins.clearChangeSent(input.token);
        throw routed;
      }
    });
    if (step.prompt.kind === 'done') await client.logout(session, [from.password, pending.password, aasId]);
    return { session: input.session, conversation: input.conversation, prompt: step.prompt.kind, answers: input.answers + 1 };
  }
}

function sealContext(input: { secretArn: string; execution: string }): SealContext {
  return { secretArn: input.secretArn, execution: input.execution };
}

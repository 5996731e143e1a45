import { DecryptCommand } from '@aws-sdk/client-kms';
import { seal, unseal } from '../../../lambda/aws/seal';
import { AuthenticationFailedError, type DeviceError, DeviceUnreachableError, type ErrorSite, PasswordRejectedError, SessionExpiredError } from '../../../lambda/device/errors';
import type { Credentials, DeviceEndpoint, LoginOutcome } from '../../../lambda/device/types';
import { accountOf } from '../../../lambda/ledger/account';
import type { DeviceLedger } from '../../../lambda/ledger/device-ledger';
import { endpointOf, type DeviceSecret } from '../../../lambda/secret/device-secret';
import {
  type ConversationPrompt,
  type ConversationStep,
  MPOWER_MAX_ANSWERS,
  type MPowerClient,
  type MPowerSession,
  type PromptAnswer,
  type PromptKind,
} from '../../../lambda/vendors/multitech-mpower/client';
import { MPowerTasks } from '../../../lambda/vendors/multitech-mpower/conversation-tasks';
import { fakeKms } from '../../helpers/fake-kms';
import { fakeSecretsManager, secretArnFor } from '../../helpers/fake-secrets-manager';
import { useLocalLedger } from '../../helpers/local-ledger';

/**
 * The mPower password conversation, one task per state, through the seam: a fake shaped like MPowerClient, KMS and
 * Secrets Manager mocked, the device ledger real (dynalite). Session token and aasID travel sealed between states;
 * the retype (the answer that changes the password) is noted in the ledger first; a failed step logs the session out.
 */
const secrets = fakeSecretsManager();
const kms = fakeKms();
const ledgers = useLocalLedger();

const ARN = secretArnFor('devices/gw-1');
const CURRENT = '11111111-1111-4111-8111-111111111111';
const TOKEN = '22222222-2222-4222-8222-222222222222';
const OLD = '33333333-3333-4333-8333-333333333333';
const P_CUR = 'Current-Pw-1!';
const P_NEW = 'Pending-Pw-2!';
const P_OLD = 'Previous-Pw-0!';
const EXECUTION = 'arn:aws:states:us-east-1:111122223333:execution:DeviceRotation:set-0123456789-x';
const IDENTITY = { vendor: 'multitech-mpower', host: 'gw-1.example.net', username: 'admin' } as const;
const ACCOUNT = accountOf(IDENTITY);
const SESSION_TOKEN = 'mpower-session-token-8f3a';
const AAS_ID = 'aas-4711';
const NEXT: Record<PromptKind, PromptKind> = {
  acknowledge: 'current-password',
  'current-password': 'new-password',
  'new-password': 'retype-password',
  'retype-password': 'done',
  done: 'done',
};

type Call =
  | { op: 'verifyLogin' | 'login'; password: string }
  | { op: 'logout'; token: string }
  | { op: 'open'; token: string; username: string }
  | { op: 'answer'; token: string; aasId: string; kind: PromptKind; currentPassword: string; newPassword: string; username: string };

/** Shaped like MPowerClient: the calls MPowerTasks and DeviceTasks make, recorded, answered from a password and a script. */
class FakeMPower {
  readonly calls: Call[] = [];
  password = P_CUR;
  /** Errors the next open / answer throw instead of answering. */
  readonly failNext: { open?: (site: ErrorSite) => DeviceError; answer?: (site: ErrorSite) => DeviceError } = {};
  /** Runs when an answer is about to be sent (before the device acts). */
  onAnswer?: (answer: PromptAnswer) => Promise<void>;

  clientFor(secret: DeviceSecret): MPowerClient {
    const endpoint = endpointOf(secret);
    const site = (step: string, login = false): ErrorSite => ({ vendor: 'multitech-mpower', host: endpoint.host, port: endpoint.port ?? 443, step, login });
    const client = {
      vendor: 'multitech-mpower' as const,
      endpoint: endpoint as DeviceEndpoint,
      verifyLogin: async (credentials: Credentials): Promise<LoginOutcome> => {
        this.calls.push({ op: 'verifyLogin', password: credentials.password });
        return credentials.password === this.password ? { status: 'accepted' } : { status: 'rejected', error: new AuthenticationFailedError(site('login', true)) };
      },
      changePassword: async () => {
        throw new Error('MPowerTasks must not call changePassword');
      },
      login: async (credentials: Credentials): Promise<MPowerSession> => {
        this.calls.push({ op: 'login', password: credentials.password });
        if (credentials.password !== this.password) throw new AuthenticationFailedError(site('login', true));
        return { token: SESSION_TOKEN };
      },
      logout: async (session: MPowerSession) => {
        this.calls.push({ op: 'logout', token: session.token });
      },
      openConversation: async (session: MPowerSession, username: string): Promise<ConversationStep> => {
        this.calls.push({ op: 'open', token: session.token, username });
        const fail = this.failNext.open;
        this.failNext.open = undefined;
        if (fail !== undefined) throw fail(site('open-conversation'));
        return { aasId: AAS_ID, prompt: { kind: 'acknowledge', text: 'Changing password for admin.' } };
      },
      answerPrompt: async (session: MPowerSession, answer: PromptAnswer): Promise<ConversationStep> => {
        const { username, aasId, currentPassword, newPassword } = answer;
        this.calls.push({ op: 'answer', token: session.token, aasId, kind: answer.prompt.kind, currentPassword, newPassword, username });
        await this.onAnswer?.(answer);
        const fail = this.failNext.answer;
        this.failNext.answer = undefined;
        if (fail !== undefined) throw fail(site(`answer-${answer.prompt.kind}`));
        if (answer.prompt.kind === 'retype-password') this.password = newPassword;
        const prompt: ConversationPrompt = { kind: NEXT[answer.prompt.kind], text: '' };
        return { aasId, prompt };
      },
    };
    return client as unknown as MPowerClient;
  }

  ops(): string[] {
    return this.calls.map((call) => (call.op === 'answer' ? `answer:${call.kind}` : call.op));
  }
}

let ledger: DeviceLedger;
let device: FakeMPower;
const savedKey = process.env.SEAL_KEY_ID;

function mpowerTasks(): MPowerTasks {
  return new MPowerTasks((secret) => device.clientFor(secret), { ledger: () => ledger, privilegedSecrets: () => [] });
}

const context = { secretArn: ARN, execution: EXECUTION };
/** The task inputs' operation names (the handler routes on them; the tasks themselves do not look). */
const LOGIN: Parameters<MPowerTasks['login']>[0]['operation'] = 'conversation-login';
const OPEN: Parameters<MPowerTasks['open']>[0]['operation'] = 'conversation-open';
const ANSWER: Parameters<MPowerTasks['answer']>[0]['operation'] = 'conversation-answer';
const base = { secretArn: ARN, token: TOKEN, execution: EXECUTION };

async function opened(): Promise<{ session: string; conversation: string }> {
  const login = await mpowerTasks().login({ operation: LOGIN, ...base });
  const open = await mpowerTasks().open({ operation: OPEN, ...base, from: 'current', session: login.session as string });
  device.calls.length = 0;
  return { session: open.session, conversation: open.conversation as string };
}

function answerInput(state: { session: string; conversation: string }, prompt: Exclude<PromptKind, 'done'>, answers = 0) {
  return { operation: ANSWER, ...base, from: 'current' as const, ...state, prompt, answers };
}

beforeEach(async () => {
  secrets.reset();
  kms.reset();
  process.env.SEAL_KEY_ID = 'alias/workflow-key';
  ledger = await ledgers.fresh();
  device = new FakeMPower();
  secrets.add(ARN, {
    [CURRENT]: { value: { ...IDENTITY, password: P_CUR }, stages: ['AWSCURRENT'] },
    [TOKEN]: { value: { ...IDENTITY, password: P_NEW }, stages: ['AWSPENDING'] },
    [OLD]: { value: { ...IDENTITY, password: P_OLD }, stages: ['AWSPREVIOUS'] },
  });
});
afterAll(() => {
  if (savedKey === undefined) delete process.env.SEAL_KEY_ID;
  else process.env.SEAL_KEY_ID = savedKey;
});

describe('conversation-login', () => {
  test('the login that finds AWSCURRENT is the conversation\'s: its session travels sealed, bound to the secret and the execution', async () => {
    const state = await mpowerTasks().login({ operation: LOGIN, ...base });
    expect(state.located).toBe('current');
    expect(state.session).toMatch(/^sealed:/);
    expect(JSON.stringify(state)).not.toContain(SESSION_TOKEN);
    await expect(unseal(state.session as string, context)).resolves.toBe(SESSION_TOKEN);
    await expect(unseal(state.session as string, { ...context, execution: `${EXECUTION}-2` })).rejects.toMatchObject({ name: 'UnsealError' });
    expect(device.ops()).toEqual(['login']);
    // The login changes nothing: no change is noted until the retype.
    expect((await ledger.read(ACCOUNT)).changeSent).toBeUndefined();
  });

  test('the pending version already on the device (a change noted in the ledger): found with a plain login, no session', async () => {
    device.password = P_NEW;
    await ledger.noteChangeSent(ACCOUNT, TOKEN, 'an-earlier-attempt');
    await expect(mpowerTasks().login({ operation: LOGIN, ...base })).resolves.toEqual({ located: 'pending' });
    expect(device.ops()).toEqual(['verifyLogin']);
  });
});

describe('conversation-open and conversation-answer', () => {
  test('open unseals the session for the device and seals the aasID it hands out; the first prompt travels in the clear', async () => {
    const login = await mpowerTasks().login({ operation: LOGIN, ...base });
    const open = await mpowerTasks().open({ operation: OPEN, ...base, from: 'current', session: login.session as string });
    expect(device.calls[1]).toEqual({ op: 'open', token: SESSION_TOKEN, username: 'admin' });
    expect(open).toMatchObject({ session: login.session, prompt: 'acknowledge', answers: 0 });
    expect(open.conversation).toMatch(/^sealed:/);
    expect(JSON.stringify(open)).not.toContain(AAS_ID);
    await expect(unseal(open.conversation as string, context)).resolves.toBe(AAS_ID);
  });

  test('an answer unseals session and aasID, sends the rotation identity with both passwords, and counts the answer', async () => {
    const state = await opened();
    const next = await mpowerTasks().answer(answerInput(state, 'acknowledge'));
    expect(next).toEqual({ ...state, prompt: 'current-password', answers: 1 });
    expect(device.calls).toEqual([
      { op: 'answer', token: SESSION_TOKEN, aasId: AAS_ID, kind: 'acknowledge', currentPassword: P_CUR, newPassword: P_NEW, username: 'admin' },
    ]);
    expect((await ledger.read(ACCOUNT)).changeSent).toBeUndefined();
  });

  test('the whole conversation: acknowledge, current, new, retype; the device reports success and the session is logged out', async () => {
    let state = await opened();
    let prompt: PromptKind = 'acknowledge';
    let answers = 0;
    while (prompt !== 'done') {
      const next = await mpowerTasks().answer(answerInput(state, prompt, answers));
      state = { session: next.session, conversation: next.conversation as string };
      prompt = next.prompt as PromptKind;
      answers = next.answers;
    }
    expect(answers).toBe(4);
    expect(device.ops()).toEqual(['answer:acknowledge', 'answer:current-password', 'answer:new-password', 'answer:retype-password', 'logout']);
    expect(device.password).toBe(P_NEW);
  });

  test.each([
    ['ambiguous', 'unknown'],
    ['current-password', 'failed'],
] as const)('the current-password answer goes through the budget: PAM answering "%s" is charged as a %s login, and not retried', async (reason, state) => {
    const opened_ = await opened();
    await mpowerTasks().answer(answerInput(opened_, 'acknowledge', 0));
    expect((await ledger.read(ACCOUNT)).charges).toEqual([]);
    device.failNext.answer = (site) => new PasswordRejectedError(site, reason, { deviceMessage: 'Authentication token manipulation error' });
    const error = await mpowerTasks().answer(answerInput(opened_, 'current-password', 1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PasswordRejectedError);
    expect((await ledger.read(ACCOUNT)).charges.map((charge) => charge.state)).toEqual([state]);
    expect(device.ops().filter((op) => op === 'answer:current-password')).toHaveLength(1);
  });

  test('an accepted current-password answer leaves no charge', async () => {
    const state = await opened();
    await mpowerTasks().answer(answerInput(state, 'current-password', 1));
    expect((await ledger.read(ACCOUNT)).charges).toEqual([]);
  });

  test('the retype answer is noted in the ledger before it is sent', async () => {
    const state = await opened();
    const seen: Array<string | undefined> = [];
    device.onAnswer = async () => {
      seen.push((await ledger.read(ACCOUNT)).changeSent?.version);
    };
    await mpowerTasks().answer(answerInput(state, 'new-password', 2));
    await mpowerTasks().answer(answerInput(state, 'retype-password', 3));
    // Nothing noted while the new password was answered; noted by the time the retype reached the device.
    expect(seen).toEqual([undefined, TOKEN]);
    expect((await ledger.read(ACCOUNT)).changeSent).toMatchObject({ version: TOKEN, by: EXECUTION });
  });

  test('a retype the device refuses clears the note (no change happened) and logs the session out', async () => {
    const state = await opened();
    device.failNext.answer = (site) => new PasswordRejectedError(site, 'mismatch');
    const outcome = mpowerTasks().answer(answerInput(state, 'retype-password', 3));
    await expect(outcome).rejects.toMatchObject({ name: 'PasswordRejectedError', reason: 'mismatch' });
    expect((await ledger.read(ACCOUNT)).changeSent).toBeUndefined();
    expect(device.ops()).toEqual(['answer:retype-password', 'logout']);
    expect(device.calls[1]).toEqual({ op: 'logout', token: SESSION_TOKEN });
  });

  test('a retype whose answer is lost is ChangeOutcomeUnknownError: the note stays, so the restart tries the pending version first', async () => {
    const state = await opened();
    device.failNext.answer = (site) => new DeviceUnreachableError(site, 'no answer within the request deadline', true);
    await expect(mpowerTasks().answer(answerInput(state, 'retype-password', 3))).rejects.toMatchObject({ name: 'ChangeOutcomeUnknownError' });
    expect((await ledger.read(ACCOUNT)).changeSent?.version).toBe(TOKEN);
    expect(device.ops()).toEqual(['answer:retype-password', 'logout']);
    // The restart's login: the pending version first.
    device.calls.length = 0;
    device.password = P_NEW;
    await expect(mpowerTasks().login({ operation: LOGIN, ...base })).resolves.toEqual({ located: 'pending' });
    expect(device.ops()).toEqual(['verifyLogin']);
  });

  test('a failed open (the conversation expired) logs the session out and fails typed', async () => {
    const login = await mpowerTasks().login({ operation: LOGIN, ...base });
    device.calls.length = 0;
    device.failNext.open = (site) => new SessionExpiredError(site, 'conversation');
    const outcome = mpowerTasks().open({ operation: OPEN, ...base, from: 'current', session: login.session as string });
    await expect(outcome).rejects.toMatchObject({ name: 'SessionExpiredError', scope: 'conversation' });
    expect(device.calls).toEqual([
      { op: 'open', token: SESSION_TOKEN, username: 'admin' },
      { op: 'logout', token: SESSION_TOKEN },
    ]);
  });

  test(`the answer bound: at MPOWER_MAX_ANSWERS (${MPOWER_MAX_ANSWERS}) answers nothing more is sent`, async () => {
    const state = await opened();
    const decrypts = kms.mock.commandCalls(DecryptCommand).length;
    const outcome = mpowerTasks().answer(answerInput(state, 'acknowledge', MPOWER_MAX_ANSWERS));
    await expect(outcome).rejects.toMatchObject({ name: 'InvalidInputError' });
    await expect(outcome).rejects.toThrow(`the password conversation did not end within ${MPOWER_MAX_ANSWERS} answers`);
    expect(device.calls).toEqual([]);
    expect(kms.mock.commandCalls(DecryptCommand)).toHaveLength(decrypts);
    // One below the bound is still answered.
    await expect(mpowerTasks().answer(answerInput(state, 'acknowledge', MPOWER_MAX_ANSWERS - 1))).resolves.toMatchObject({ answers: MPOWER_MAX_ANSWERS });
  });

  test('session data sealed for another execution does not open: nothing is sent to the device', async () => {
    const state = await opened();
    const outcome = mpowerTasks().answer({ ...answerInput(state, 'acknowledge'), execution: `${EXECUTION}-2` });
    await expect(outcome).rejects.toMatchObject({ name: 'UnsealError' });
    expect(device.calls).toEqual([]);
  });

  test('answering from AWSPREVIOUS sends its password with the identity of AWSCURRENT', async () => {
    // As after a login that found AWSPREVIOUS (on mPower that search costs the window's one failed login: not repeated here).
    device.password = P_OLD;
    const session = await seal(SESSION_TOKEN, context);
    const open = await mpowerTasks().open({ operation: OPEN, ...base, from: 'previous', session });
    device.calls.length = 0;
    await mpowerTasks().answer({ ...answerInput({ session: open.session, conversation: open.conversation as string }, 'current-password', 1), from: 'previous' });
    expect(device.calls[0]).toMatchObject({ op: 'answer', currentPassword: P_OLD, newPassword: P_NEW, username: 'admin' });
  });

  test('answering from an AWSPREVIOUS of another account is refused (VersionIdentityError) before anything is sent', async () => {
    secrets.secret(ARN).versions.set(OLD, { value: { ...IDENTITY, username: 'operator', password: P_OLD }, stages: ['AWSPREVIOUS'] });
    const session = await seal(SESSION_TOKEN, context);
    await expect(mpowerTasks().open({ operation: OPEN, ...base, from: 'previous', session })).rejects.toMatchObject({ name: 'VersionIdentityError' });
    expect(device.calls).toEqual([]);
  });
});

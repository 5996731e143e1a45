import { GetRandomPasswordCommand, PutSecretValueCommand, ResourceExistsException, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { accountOf } from '../../../lambda/ledger/account';
import type { DeviceLedger } from '../../../lambda/ledger/device-ledger';
import { rotationExecutionBase, secretTag } from '../../../lambda/rotation/execution-names';
import {
  createSecret,
  describeDevice,
  finishRotation,
  finishSecret,
  prepareRotation,
  releaseDevice,
  setSecret,
  testSecret,
  type WorkflowSettings,
} from '../../../lambda/rotation/rotation-steps';
import { fakeSecretsManager, secretArnFor } from '../../helpers/fake-secrets-manager';
import { executionArnOf, fakeStepFunctions, STATE_MACHINE_ARN } from '../../helpers/fake-step-functions';
import { useLocalLedger } from '../../helpers/local-ledger';

/**
 * The rotation Lambda's steps through the seam: Secrets Manager and Step Functions mocked (aws-sdk-client-mock), the
 * device ledger real (dynalite). The guards every step runs, what each step does to the secret's versions, and the
 * state machine's own tasks (describe with the lease, prepare and finish around a console rotate).
 */
const secrets = fakeSecretsManager();
const sfn = fakeStepFunctions();
const ledgers = useLocalLedger();

const ARN = secretArnFor('devices/gw-1');
const CURRENT = '11111111-1111-4111-8111-111111111111';
const TOKEN = '22222222-2222-4222-8222-222222222222';
const OLD = '33333333-3333-4333-8333-333333333333';
const DEVICE = { vendor: 'multitech-mpower', host: 'gw-1.example.net', username: 'admin' } as const;
const currentValue = { ...DEVICE, password: 'Current-Pw-1!' };
const workflow: WorkflowSettings = { stateMachineArn: STATE_MACHINE_ARN, pollMs: 1, timeLeftMs: () => 600_000 };
const event = { SecretId: ARN, ClientRequestToken: TOKEN };

beforeEach(() => {
  secrets.reset();
  sfn.reset();
});

/** AWSCURRENT with a value, and the token staged AWSPENDING (as RotateSecret leaves it), without a value unless given. */
function rotatingSecret(options: { pending?: object; rotationEnabled?: boolean; current?: object } = {}): string {
  return secrets.add(
    ARN,
    {
      [OLD]: { value: { ...currentValue, password: 'Old-Pw-0!' }, stages: ['AWSPREVIOUS'] },
      [CURRENT]: { value: options.current ?? currentValue, stages: ['AWSCURRENT'] },
      [TOKEN]: { value: options.pending, stages: ['AWSPENDING'] },
    },
    { rotationEnabled: options.rotationEnabled },
  );
}

describe('the guards every step runs first', () => {
  const steps = {
    createSecret: () => createSecret(event),
    setSecret: () => setSecret(event, workflow),
    testSecret: () => testSecret(event, workflow),
    finishSecret: () => finishSecret(event),
  };

  test.each(Object.keys(steps) as Array<keyof typeof steps>)('%s: rotation disabled → RotationStateError, nothing written or started', async (step) => {
    rotatingSecret({ rotationEnabled: false });
    const outcome = steps[step]();
    await expect(outcome).rejects.toMatchObject({ name: 'RotationStateError' });
    await expect(outcome).rejects.toThrow(`Secret ${ARN}: rotation is not enabled on this secret`);
    expect(secrets.mock.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(secrets.mock.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
    expect(sfn.started).toEqual([]);
  });

  test.each(Object.keys(steps) as Array<keyof typeof steps>)('%s: a token that is not a version of the secret → RotationStateError', async (step) => {
    rotatingSecret();
    secrets.secret(ARN).versions.delete(TOKEN);
    await expect(steps[step]()).rejects.toThrow(`ClientRequestToken ${TOKEN} is not a version of the secret`);
    expect(sfn.started).toEqual([]);
  });

  test.each(Object.keys(steps) as Array<keyof typeof steps>)('%s: the token already AWSCURRENT (a replay) → nothing to do, nothing touched', async (step) => {
    secrets.add(ARN, { [CURRENT]: { value: currentValue, stages: ['AWSPREVIOUS'] }, [TOKEN]: { value: { ...currentValue, password: 'New-Pw-2!' }, stages: ['AWSCURRENT'] } });
    await expect(steps[step]()).resolves.toEqual({ done: 'nothing-to-do' });
    expect(secrets.mock.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(secrets.mock.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
    expect(secrets.mock.commandCalls(GetRandomPasswordCommand)).toHaveLength(0);
    expect(sfn.started).toEqual([]);
  });

  test.each(Object.keys(steps) as Array<keyof typeof steps>)('%s: a version not staged AWSPENDING → RotationStateError', async (step) => {
    secrets.add(ARN, { [CURRENT]: { value: currentValue, stages: ['AWSCURRENT'] }, [TOKEN]: { value: { ...currentValue, password: 'New-Pw-2!' }, stages: ['AWSPREVIOUS'] } });
    const outcome = steps[step]();
    await expect(outcome).rejects.toMatchObject({ name: 'RotationStateError' });
    await expect(outcome).rejects.toThrow(`version ${TOKEN} is not staged AWSPENDING`);
    expect(sfn.started).toEqual([]);
  });
});

describe('createSecret', () => {
  test('generates the pending value with the vendor policy and stores it as AWSPENDING, keeping the identity of AWSCURRENT', async () => {
    rotatingSecret();
    secrets.randomPasswords.push('Fresh-Generated-Pw-9!');
    await expect(createSecret(event)).resolves.toEqual({ done: 'created' });
    // mPower's generation policy: 20 characters, each class included, the awkward characters excluded.
    expect(secrets.randomPasswordRequests).toEqual([
      expect.objectContaining({ PasswordLength: 20, RequireEachIncludedType: true, IncludeSpace: false, ExcludeCharacters: `"'\\\`` }),
    ]);
    expect(secrets.valueOf(ARN, TOKEN)).toEqual({ ...currentValue, password: 'Fresh-Generated-Pw-9!' });
    expect(secrets.secret(ARN).versions.get(TOKEN)?.stages).toEqual(['AWSPENDING']);
    expect(secrets.withStage(ARN, 'AWSCURRENT')).toBe(CURRENT);
  });

  test("a secret's own passwordPolicy overrides fields of the vendor's", async () => {
    rotatingSecret({ current: { ...currentValue, passwordPolicy: { length: 32, excludePunctuation: true } } });
    await createSecret(event);
    expect(secrets.randomPasswordRequests).toEqual([expect.objectContaining({ PasswordLength: 32, ExcludePunctuation: true, RequireEachIncludedType: true })]);
  });

  test('keeps a pending value already made for this token (a retried step): no new password, nothing written', async () => {
    rotatingSecret({ pending: { ...currentValue, password: 'Already-Pending-Pw-3!' } });
    await expect(createSecret(event)).resolves.toEqual({ done: 'kept' });
    expect(secrets.mock.commandCalls(GetRandomPasswordCommand)).toHaveLength(0);
    expect(secrets.mock.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(secrets.valueOf(ARN, TOKEN)?.password).toBe('Already-Pending-Pw-3!');
  });

  test('a concurrent createSecret that stored its value first (ResourceExistsException) stands', async () => {
    rotatingSecret();
    secrets.mock.on(PutSecretValueCommand).rejects(new ResourceExistsException({ message: 'A resource with the ID you requested already exists.', $metadata: {} }));
    await expect(createSecret(event)).resolves.toEqual({ done: 'kept' });
  });

  test('another PutSecretValue failure is not swallowed', async () => {
    rotatingSecret();
    secrets.mock.on(PutSecretValueCommand).rejects(new Error('throttled'));
    await expect(createSecret(event)).rejects.toThrow('throttled');
  });
});

describe('setSecret and testSecret hand the device work to the state machine', () => {
  test('setSecret starts "set-<tag>-<token>" with references only and waits for it', async () => {
    rotatingSecret({ pending: { ...currentValue, password: 'New-Pw-2!' } });
    await expect(setSecret(event, workflow)).resolves.toEqual({ done: 'set' });
    expect(sfn.started).toEqual([{ name: `set-${secretTag(ARN)}-${TOKEN}`, input: { action: 'set', secretArn: ARN, token: TOKEN } }]);
    expect(secretTag(ARN)).toMatch(/^[0-9a-f]{10}$/);
  });

  test('testSecret with a pending value runs "test-…"; without one (RotateImmediately=false) "check-…", a verify of AWSCURRENT', async () => {
    rotatingSecret({ pending: { ...currentValue, password: 'New-Pw-2!' } });
    await expect(testSecret(event, workflow)).resolves.toEqual({ done: 'tested' });
    expect(sfn.started).toEqual([{ name: rotationExecutionBase('test', ARN, TOKEN), input: { action: 'test', secretArn: ARN, token: TOKEN } }]);
    secrets.reset();
    sfn.reset();
    rotatingSecret();
    await expect(testSecret(event, workflow)).resolves.toEqual({ done: 'tested' });
    expect(sfn.started).toEqual([{ name: rotationExecutionBase('check', ARN, TOKEN), input: { action: 'verify', secretArn: ARN } }]);
  });

  test('a failed execution fails the step, and the step changes no stage', async () => {
    rotatingSecret({ pending: { ...currentValue, password: 'New-Pw-2!' } });
    sfn.plan(rotationExecutionBase('set', ARN, TOKEN), [{ status: 'FAILED', error: 'DeviceOutOfSyncError', cause: '{"errorMessage":"no stored password logs in"}' }]);
    await expect(setSecret(event, workflow)).rejects.toMatchObject({ name: 'ExecutionFailedError', executionError: 'DeviceOutOfSyncError' });
    expect(secrets.withStage(ARN, 'AWSCURRENT')).toBe(CURRENT);
  });
});

test('finishSecret moves AWSCURRENT to the token; the version it leaves becomes AWSPREVIOUS', async () => {
  rotatingSecret({ pending: { ...currentValue, password: 'New-Pw-2!' } });
  await expect(finishSecret(event)).resolves.toEqual({ done: 'finished' });
  expect(secrets.mock.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input)).toEqual([
    { SecretId: ARN, VersionStage: 'AWSCURRENT', MoveToVersionId: TOKEN, RemoveFromVersionId: CURRENT },
  ]);
  expect(secrets.withStage(ARN, 'AWSCURRENT')).toBe(TOKEN);
  expect(secrets.withStage(ARN, 'AWSPREVIOUS')).toBe(CURRENT);
});

describe('console rotate: prepare and finish', () => {
  test('prepareRotation resumes the rotation already pending (same token, its value kept)', async () => {
    rotatingSecret({ pending: { ...currentValue, password: 'Pending-Pw-4!' } });
    await expect(prepareRotation(ARN)).resolves.toEqual({ token: TOKEN, resumed: true });
    expect(secrets.mock.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  test('prepareRotation resumes a pending token that has no value yet, and generates its value', async () => {
    rotatingSecret();
    await expect(prepareRotation(ARN)).resolves.toEqual({ token: TOKEN, resumed: true });
    expect(secrets.valueOf(ARN, TOKEN)?.password).toBe('Generated-Password-1!');
  });

  test('prepareRotation with nothing pending starts a rotation with a new token, staged AWSPENDING', async () => {
    secrets.add(ARN, { [CURRENT]: { value: currentValue, stages: ['AWSCURRENT'] } });
    const prepared = await prepareRotation(ARN);
    expect(prepared.resumed).toBe(false);
    expect(prepared.token).toMatch(/^[0-9a-f-]{36}$/);
    expect(prepared.token).not.toBe(CURRENT);
    expect(secrets.withStage(ARN, 'AWSPENDING')).toBe(prepared.token);
    expect(secrets.valueOf(ARN, prepared.token)).toEqual({ ...currentValue, password: 'Generated-Password-1!' });
  });

  test('prepareRotation refuses a secret whose rotation is disabled', async () => {
    rotatingSecret({ rotationEnabled: false });
    await expect(prepareRotation(ARN)).rejects.toMatchObject({ name: 'RotationStateError' });
    expect(secrets.mock.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  test('finishRotation moves AWSCURRENT and removes AWSPENDING, so no rotation looks stuck', async () => {
    rotatingSecret({ pending: { ...currentValue, password: 'New-Pw-2!' } });
    await expect(finishRotation(ARN, TOKEN)).resolves.toEqual({ finished: true });
    expect(secrets.secret(ARN).versions.get(TOKEN)?.stages).toEqual(['AWSCURRENT']);
    expect(secrets.withStage(ARN, 'AWSPENDING')).toBeUndefined();
    expect(secrets.withStage(ARN, 'AWSPREVIOUS')).toBe(CURRENT);
  });

  test('finishRotation of a token already AWSCURRENT that still carries AWSPENDING only removes AWSPENDING', async () => {
    secrets.add(ARN, { [CURRENT]: { value: currentValue, stages: ['AWSPREVIOUS'] }, [TOKEN]: { value: { ...currentValue, password: 'New-Pw-2!' }, stages: ['AWSCURRENT', 'AWSPENDING'] } });
    await expect(finishRotation(ARN, TOKEN)).resolves.toEqual({ finished: true });
    expect(secrets.mock.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: ARN, VersionStage: 'AWSPENDING', RemoveFromVersionId: TOKEN },
    ]);
    expect(secrets.secret(ARN).versions.get(TOKEN)?.stages).toEqual(['AWSCURRENT']);
  });

  test('finishRotation does not need rotation enabled (a console rotate of a secret turned off meanwhile still finishes)', async () => {
    rotatingSecret({ pending: { ...currentValue, password: 'New-Pw-2!' }, rotationEnabled: false });
    await expect(finishRotation(ARN, TOKEN)).resolves.toEqual({ finished: true });
    expect(secrets.withStage(ARN, 'AWSCURRENT')).toBe(TOKEN);
  });
});

describe('describeDevice: route by vendor, and the lease for a changing execution', () => {
  let ledger: DeviceLedger;
  const lease = () => ({ ledger, leaseMs: 3_600_000 });
  const account = accountOf(DEVICE);
  const A = executionArnOf('console-rotate-a');
  const B = executionArnOf('console-rotate-b');

  beforeEach(async () => {
    ledger = await ledgers.fresh();
  });

  test('resolves a secret name to the full ARN and names the vendor and the device (port defaults to 443)', async () => {
    rotatingSecret();
    await expect(describeDevice('devices/gw-1', { action: 'verify' }, lease())).resolves.toEqual({
      secretArn: ARN,
      vendor: 'multitech-mpower',
      host: 'gw-1.example.net',
      port: 443,
      conversation: {},
    });
    // verify changes nothing: no lease.
    expect((await ledger.read(account)).lease).toBeUndefined();
  });

  test("passes the device secret's own conversation restart bound to the workflow (and nothing else of its profile)", async () => {
    rotatingSecret({ current: { ...currentValue, conversation: { maxRestarts: 1, stepTimeoutMs: 20_000 } } });
    await expect(describeDevice('devices/gw-1', { action: 'verify' }, lease())).resolves.toMatchObject({ conversation: { maxRestarts: 1 } });
    expect((await describeDevice('devices/gw-1', { action: 'verify' }, lease())).conversation).toEqual({ maxRestarts: 1 });
  });

  test('a changing action takes the lease for its execution; the same execution asking again keeps it', async () => {
    rotatingSecret();
    await describeDevice('devices/gw-1', { action: 'rotate', executionArn: A }, lease());
    await describeDevice(ARN, { action: 'rotate', executionArn: A }, lease());
    expect((await ledger.read(account)).lease?.holder).toBe(A);
  });

  test('another live execution holds the lease → RotationInProgressError naming the holder; nothing taken', async () => {
    rotatingSecret();
    sfn.exists('console-rotate-a', [{ status: 'RUNNING' }]);
    await describeDevice(ARN, { action: 'rotate', executionArn: A }, lease());
    const outcome = describeDevice(ARN, { action: 'set', executionArn: B }, lease());
    await expect(outcome).rejects.toMatchObject({ name: 'RotationInProgressError' });
    await expect(outcome).rejects.toThrow(`execution ${A} is changing account "admin" on multitech-mpower device gw-1.example.net:443`);
    expect((await ledger.read(account)).lease?.holder).toBe(A);
  });

  test('a lease whose holder has ended (DescribeExecution) is taken over', async () => {
    rotatingSecret();
    sfn.exists('console-rotate-a', [{ status: 'FAILED', error: 'DeviceUnreachableError' }]);
    await describeDevice(ARN, { action: 'rotate', executionArn: A }, lease());
    await describeDevice(ARN, { action: 'rotate', executionArn: B }, lease());
    expect((await ledger.read(account)).lease?.holder).toBe(B);
  });

  test('refuses a changing action when rotation is disabled, before taking any lease', async () => {
    rotatingSecret({ rotationEnabled: false });
    const outcome = describeDevice(ARN, { action: 'rotate', executionArn: A }, lease());
    await expect(outcome).rejects.toMatchObject({ name: 'RotationStateError' });
    await expect(outcome).rejects.toThrow('rotation is not enabled on this secret (turned off on purpose?); nothing was done');
    expect((await ledger.read(account)).lease).toBeUndefined();
    // A verify of a secret whose rotation is off is still allowed.
    await expect(describeDevice(ARN, { action: 'verify', executionArn: A }, lease())).resolves.toMatchObject({ secretArn: ARN });
  });

  test('an execution with a reserved name of another secret stops at once (RotationStateError), touching nothing', async () => {
    rotatingSecret();
    const stolen = executionArnOf(rotationExecutionBase('set', secretArnFor('devices/other'), TOKEN));
    await expect(describeDevice(ARN, { action: 'set', executionArn: stolen }, lease())).rejects.toThrow(/has the shape reserved for the rotation function's "set" executions/);
    expect((await ledger.read(account)).lease).toBeUndefined();
    // Its own reserved name, running the purpose's action, passes.
    const own = executionArnOf(rotationExecutionBase('set', ARN, TOKEN));
    await expect(describeDevice(ARN, { action: 'set', executionArn: own }, lease())).resolves.toMatchObject({ secretArn: ARN });
  });

  test('releaseDevice gives the lease back only for its holder', async () => {
    rotatingSecret();
    await describeDevice(ARN, { action: 'rotate', executionArn: A }, lease());
    await releaseDevice(ARN, B, ledger);
    expect((await ledger.read(account)).lease?.holder).toBe(A);
    await expect(releaseDevice(ARN, A, ledger)).resolves.toEqual({ released: true });
    expect((await ledger.read(account)).lease).toBeUndefined();
  });
});

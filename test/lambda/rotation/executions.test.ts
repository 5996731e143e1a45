import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { executionArnFor, executionName, MAX_EXECUTIONS_PER_STEP, runExecution, type ExecutionRequest } from '../../../lambda/rotation/executions';
import { type ExecutionEnd, executionArnOf, fakeStepFunctions, lambdaCause, STATE_MACHINE_ARN } from '../../helpers/fake-step-functions';

/** runExecution against a mocked Step Functions: named from the token, attached to on a retry, re-executed only when that can help. */
const sfn = fakeStepFunctions();
const SECRET = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:devices/gw-1-AbCdEf';
const BASE = 'set-0123456789-4f1c2d3e-aaaa-bbbb-cccc-0123456789ab';

beforeEach(() => sfn.reset());

function request(overrides: Partial<ExecutionRequest> = {}): ExecutionRequest {
  return {
    stateMachineArn: STATE_MACHINE_ARN,
    baseName: BASE,
    input: { action: 'set', secretArn: SECRET, token: '4f1c2d3e-aaaa-bbbb-cccc-0123456789ab' },
    secretArn: SECRET,
    timeLeftMs: () => 600_000,
    pollMs: 1,
    ...overrides,
  };
}

const failed = (error: string, message = `${error} happened`, failedState?: string): ExecutionEnd => ({
  status: 'FAILED',
  error,
  cause: lambdaCause(error, message),
  failedState,
});

test('starts the execution named from the token, with the input, and returns its output', async () => {
  sfn.plan(BASE, [{ status: 'RUNNING' }, { status: 'SUCCEEDED', output: { located: 'current', changed: true } }]);
  await expect(runExecution(request())).resolves.toEqual({ located: 'current', changed: true });
  expect(sfn.started).toEqual([{ name: BASE, input: { action: 'set', secretArn: SECRET, token: '4f1c2d3e-aaaa-bbbb-cccc-0123456789ab' } }]);
  expect(sfn.executions.get(BASE)?.describes).toBe(2);
});

test('a retried step attaches to the running execution of its name instead of starting another', async () => {
  sfn.exists(BASE, [{ status: 'RUNNING' }, { status: 'RUNNING' }, { status: 'SUCCEEDED', output: { verified: true } }]);
  await expect(runExecution(request())).resolves.toEqual({ verified: true });
  // StartExecution was asked (and said the name exists); nothing new was started.
  expect(sfn.mock.commandCalls(StartExecutionCommand)).toHaveLength(1);
  expect(sfn.started).toEqual([]);
  expect(sfn.executions.get(BASE)?.describes).toBe(3);
});

test.each(['DeviceUnreachableError', 'SessionExpiredError', 'ChangeOutcomeUnknownError', 'RotationInProgressError', 'LoginBudgetExhaustedError', 'States.Timeout'])(
  'a failure worth another execution (%s) is followed by "-2", then "-3"',
  async (error) => {
    sfn.exists(BASE, [failed(error)]);
    sfn.plan(`${BASE}-2`, [failed(error)]);
    sfn.plan(`${BASE}-3`, [{ status: 'SUCCEEDED', output: { done: 3 } }]);
    await expect(runExecution(request())).resolves.toEqual({ done: 3 });
    expect(sfn.started.map((s) => s.name)).toEqual([`${BASE}-2`, `${BASE}-3`]);
  },
);

test.each(['AuthenticationFailedError', 'PasswordRejectedError', 'DeviceOutOfSyncError', 'AccountLockedError', 'InvalidDeviceSecretError', 'LoginOutcomeUnknownError', 'VersionIdentityError'])(
  'a terminal failure (%s) is reported without a new execution, with the failed state and the cause\'s message',
  async (error) => {
    sfn.exists(BASE, [failed(error, 'the device said no', 'mPower: Log in')]);
    const outcome = runExecution(request());
    await expect(outcome).rejects.toMatchObject({ name: 'ExecutionFailedError', executionError: error, failedState: 'mPower: Log in', secretArn: SECRET });
    const message = ((await outcome.catch((e: unknown) => e)) as Error).message;
    expect(message).toContain(SECRET);
    expect(message).toContain(`execution ${BASE} failed in state "mPower: Log in": ${error}: the device said no`);
    expect(sfn.started).toEqual([]);
  },
);

test('a terminal failure found on a retry (the step called again) is reported again, still without a new execution', async () => {
  sfn.plan(BASE, [failed('DeviceOutOfSyncError', 'no stored password logs in')]);
  await expect(runExecution(request())).rejects.toMatchObject({ name: 'ExecutionFailedError', executionError: 'DeviceOutOfSyncError' });
  await expect(runExecution(request())).rejects.toMatchObject({ name: 'ExecutionFailedError', executionError: 'DeviceOutOfSyncError' });
  expect(sfn.started.map((s) => s.name)).toEqual([BASE]);
});

test(`stops at MAX_EXECUTIONS_PER_STEP (${MAX_EXECUTIONS_PER_STEP}) executions, reporting the last failure`, async () => {
  for (const name of [BASE, `${BASE}-2`, `${BASE}-3`, `${BASE}-4`]) sfn.plan(name, [failed('DeviceUnreachableError', 'connection refused')]);
  const outcome = runExecution(request());
  await expect(outcome).rejects.toMatchObject({ name: 'ExecutionFailedError', executionError: 'DeviceUnreachableError', executionArn: executionArnOf(`${BASE}-3`) });
  expect(sfn.started.map((s) => s.name)).toEqual([BASE, `${BASE}-2`, `${BASE}-3`]);
  expect(MAX_EXECUTIONS_PER_STEP).toBe(3);
});

test('a retry after attempts ran out attaches to the last attempts and starts none', async () => {
  for (const name of [BASE, `${BASE}-2`, `${BASE}-3`]) sfn.exists(name, [failed('SessionExpiredError')]);
  await expect(runExecution(request())).rejects.toMatchObject({ name: 'ExecutionFailedError', executionError: 'SessionExpiredError' });
  expect(sfn.started).toEqual([]);
});

test('says when time runs out while the execution still runs, naming it, and leaves it running', async () => {
  sfn.plan(BASE, [{ status: 'RUNNING' }]);
  const outcome = runExecution(request({ timeLeftMs: () => 500 }));
  await expect(outcome).rejects.toMatchObject({ name: 'ExecutionStillRunningError' });
  await expect(outcome).rejects.toThrow(`execution ${executionArnOf(BASE)} is still running; this step will attach to it again`);
  expect(sfn.started).toHaveLength(1);
});

test('an ABORTED execution is a failure named by its status, not re-executed', async () => {
  sfn.plan(BASE, [{ status: 'ABORTED' }]);
  await expect(runExecution(request())).rejects.toMatchObject({ name: 'ExecutionFailedError', executionError: 'ABORTED' });
  expect(sfn.started).toHaveLength(1);
});

test('execution names: invalid characters replaced, at most 80 characters with the attempt suffix kept; ARNs from the state machine ARN', () => {
  expect(executionName('set-abc-token/with:odd chars', 1)).toBe('set-abc-token_with_odd_chars');
  const long = 'x'.repeat(100);
  expect(executionName(long, 1)).toHaveLength(80);
  expect(executionName(long, 3)).toMatch(/^x{78}-3$/);
  expect(executionArnFor(STATE_MACHINE_ARN, 'n-1')).toBe('arn:aws:states:us-east-1:111122223333:execution:DeviceRotation:n-1');
});

import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { FunctionInvoker, InvocationResult } from '../../../local/aws/protocol';
import { AwsServiceError } from '../../../local/aws/protocol';
import { startLocalAws } from '../../../local/aws/server';
import { type HistoryEventRecord, StepFunctionsStandIn } from '../../../local/aws/step-functions';

const FN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const SM = (name: string) => `arn:aws:states:us-east-1:000000000000:stateMachine:${name}`;

type Handler = (payload: unknown) => InvocationResult | Promise<InvocationResult>;

/** A FunctionInvoker made of in-test handlers, recording every call. */
class FakeInvoker implements FunctionInvoker {
  readonly calls: { functionName: string; payload: unknown }[] = [];
  constructor(private readonly handlers: Record<string, Handler>) {}
  async invoke(functionNameOrArn: string, payload: unknown): Promise<InvocationResult> {
    this.calls.push({ functionName: functionNameOrArn, payload });
    const handler = this.handlers[functionNameOrArn];
    if (!handler) throw new AwsServiceError('ResourceNotFoundException', `Function not found: ${functionNameOrArn}`, 404);
    return handler(payload);
  }
}

const ok = (payload: unknown): InvocationResult => ({ ok: true, payload });
const fail = (errorType: string, errorMessage: string): InvocationResult => ({
  ok: false,
  errorType,
  errorMessage,
  trace: [`${errorType}: ${errorMessage}`, '    at handler (/var/task/index.js:1:1)'],
});

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function expectAwsError(promise: Promise<unknown>, type: string, message?: RegExp | string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AwsServiceError);
  expect((error as AwsServiceError).type).toBe(type);
  if (message !== undefined) expect((error as AwsServiceError).message).toMatch(message);
}

async function run(sfn: StepFunctionsStandIn, stateMachineArn: string, input: unknown, name?: string) {
  const { executionArn } = (await sfn.handle('StartExecution', { stateMachineArn, name, input: JSON.stringify(input) })) as { executionArn: string };
  await sfn.waitForExecution(executionArn);
  const described = (await sfn.handle('DescribeExecution', { executionArn })) as Record<string, unknown>;
  const { events } = (await sfn.handle('GetExecutionHistory', { executionArn, maxResults: 1000 })) as { events: HistoryEventRecord[] };
  return { executionArn, described, events, types: events.map((e) => e.type) };
}

function detailsOf(event: HistoryEventRecord | undefined): Record<string, unknown> {
  const key = Object.keys(event ?? {}).find((k) => k.endsWith('EventDetails'));
  return key ? (event![key] as Record<string, unknown>) : {};
}

describe('StepFunctionsStandIn', () => {
  test('dispatches a Lambda-ARN Task through the invoker with the context object, and records an AWS-shaped history', async () => {
    const invoker = new FakeInvoker({
      [FN('work')]: async (payload) => {
        await new Promise((r) => setTimeout(r, 60));
        return ok({ done: true, echo: payload });
      },
    });
    const sfn = new StepFunctionsStandIn({ invoker });
    const arn = sfn.addStateMachine({
      name: 'simple',
      definition: {
        StartAt: 'Work',
        States: {
          Work: {
            Type: 'Task',
            Resource: FN('work'),
            Parameters: {
              'value.$': '$.value',
              'executionId.$': '$$.Execution.Id',
              'executionName.$': '$$.Execution.Name',
              'roleArn.$': '$$.Execution.RoleArn',
              'machine.$': '$$.StateMachine.Name',
              'input.$': '$$.Execution.Input',
            },
            ResultPath: '$.result',
            End: true,
          },
        },
      },
    });
    expect(arn).toBe(SM('simple'));

    const { executionArn, described, events, types } = await run(sfn, arn, { value: 7 }, 'exec-1');
    expect(executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:simple:exec-1');
    expect(invoker.calls).toEqual([
      {
        functionName: FN('work'),
        payload: {
          value: 7,
          executionId: executionArn,
          executionName: 'exec-1',
          roleArn: 'arn:aws:iam::000000000000:role/simple-role',
          machine: 'simple',
          input: { value: 7 },
        },
      },
    ]);
    expect(described).toMatchObject({
      executionArn,
      stateMachineArn: arn,
      name: 'exec-1',
      status: 'SUCCEEDED',
      input: '{"value":7}',
    });
    expect(JSON.parse(described.output as string)).toEqual({ value: 7, result: { done: true, echo: invoker.calls[0].payload } });
    expect(typeof described.startDate).toBe('number');
    expect(described.stopDate as number).toBeGreaterThanOrEqual(described.startDate as number);
    expect(described).not.toHaveProperty('error');

    expect(types).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    events.forEach((event, i) => {
      expect(event.id).toBe(i + 1);
      expect(event.previousEventId).toBe(i);
      expect(typeof event.timestamp).toBe('number');
      if (i > 0) expect(event.timestamp).toBeGreaterThanOrEqual(events[i - 1].timestamp);
    });
    expect(events[0].executionStartedEventDetails).toEqual({
      input: '{"value":7}',
      inputDetails: { truncated: false },
      roleArn: 'arn:aws:iam::000000000000:role/simple-role',
    });
    expect(events[1].stateEnteredEventDetails).toEqual({ name: 'Work', input: '{"value":7}', inputDetails: { truncated: false } });
    expect(events[2].lambdaFunctionScheduledEventDetails).toMatchObject({ resource: FN('work') });
    expect(JSON.parse(detailsOf(events[2]).input as string)).toEqual(invoker.calls[0].payload);
    expect(JSON.parse(detailsOf(events[4]).output as string)).toEqual({ done: true, echo: invoker.calls[0].payload });
    expect(events[5].stateExitedEventDetails).toMatchObject({ name: 'Work' });
    expect(JSON.parse(detailsOf(events[5]).output as string)).toEqual(JSON.parse(described.output as string));
    expect(events[6].executionSucceededEventDetails).toEqual({ output: described.output, outputDetails: { truncated: false } });
    // Real timestamps: the function took ~60 ms between started and succeeded.
    expect(events[4].timestamp - events[3].timestamp).toBeGreaterThanOrEqual(0.05);
  });

  test('Retry on a named function error, then success; retry intervals overridden; other errors are not retried', async () => {
    let attempts = 0;
    const invoker = new FakeInvoker({
      [FN('flaky')]: () => (++attempts < 3 ? fail('TransientError', `attempt ${attempts}`) : ok({ attempts })),
      [FN('broken')]: () => fail('AuthenticationFailed', 'bad password'),
    });
    const sfn = new StepFunctionsStandIn({ invoker, retryIntervalMs: 1 });
    const definition = (resource: string) => ({
      StartAt: 'Step',
      States: {
        Step: {
          Type: 'Task',
          Resource: resource,
          Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 30, MaxAttempts: 5, BackoffRate: 2 }],
          End: true,
        },
      },
    });
    const started = Date.now();
    const flaky = await run(sfn, sfn.addStateMachine({ name: 'flaky', definition: definition(FN('flaky')) }), {});
    expect(Date.now() - started).toBeLessThan(5_000); // not 30 + 60 seconds
    expect(flaky.described.status).toBe('SUCCEEDED');
    expect(JSON.parse(flaky.described.output as string)).toEqual({ attempts: 3 });
    expect(flaky.types).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(flaky.events[4].lambdaFunctionFailedEventDetails).toEqual({
      error: 'TransientError',
      cause: JSON.stringify({ errorType: 'TransientError', errorMessage: 'attempt 1', trace: ['TransientError: attempt 1', '    at handler (/var/task/index.js:1:1)'] }),
    });

    const broken = await run(sfn, sfn.addStateMachine({ name: 'broken', definition: definition(FN('broken')) }), {});
    expect(invoker.calls.filter((c) => c.functionName === FN('broken'))).toHaveLength(1);
    expect(broken.described).toMatchObject({ status: 'FAILED', error: 'AuthenticationFailed' });
    expect(JSON.parse(broken.described.cause as string)).toMatchObject({ errorType: 'AuthenticationFailed', errorMessage: 'bad password' });
    expect(broken.types.slice(-2)).toEqual(['LambdaFunctionFailed', 'ExecutionFailed']);
    expect(broken.events.at(-1)!.executionFailedEventDetails).toEqual({ error: broken.described.error, cause: broken.described.cause });
  });

  test('Catch by error name: the catcher gets Error = errorType and Cause = the runtime JSON', async () => {
    const invoker = new FakeInvoker({ [FN('login')]: () => fail('AuthenticationFailed', 'device refused the password') });
    const sfn = new StepFunctionsStandIn({ invoker });
    const arn = sfn.addStateMachine({
      name: 'catch',
      definition: {
        StartAt: 'Login',
        States: {
          Login: {
            Type: 'Task',
            Resource: FN('login'),
            Retry: [{ ErrorEquals: ['TransientError'], MaxAttempts: 2 }],
            Catch: [
              { ErrorEquals: ['SomethingElse'], Next: 'Wrong' },
              { ErrorEquals: ['AuthenticationFailed'], ResultPath: '$.failure', Next: 'Handled' },
            ],
            End: true,
          },
          Wrong: { Type: 'Fail', Error: 'Wrong', Cause: 'wrong catcher' },
          Handled: { Type: 'Pass', End: true },
        },
      },
    });
    const { described, types, events } = await run(sfn, arn, { device: 'edge-1' });
    expect(described.status).toBe('SUCCEEDED');
    const output = JSON.parse(described.output as string) as { device: string; failure: { Error: string; Cause: string } };
    expect(output.device).toBe('edge-1');
    expect(output.failure.Error).toBe('AuthenticationFailed');
    expect(JSON.parse(output.failure.Cause)).toEqual({
      errorType: 'AuthenticationFailed',
      errorMessage: 'device refused the password',
      trace: ['AuthenticationFailed: device refused the password', '    at handler (/var/task/index.js:1:1)'],
    });
    expect(types).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    expect(detailsOf(events[4])).toMatchObject({ error: 'AuthenticationFailed', cause: output.failure.Cause });
    expect(JSON.parse(detailsOf(events[5]).output as string)).toEqual(output);
  });

  test('States.TaskFailed catches function errors but not timeouts; TimeoutSeconds gives States.Timeout; a late result is not recorded', async () => {
    const slow = deferred<void>();
    let timer: NodeJS.Timeout | undefined;
    const invoker = new FakeInvoker({
      [FN('slow')]: () =>
        new Promise((resolve) => {
          timer = setTimeout(() => {
            resolve(ok({ late: true }));
            slow.resolve();
          }, 1_500);
        }),
    });
    const sfn = new StepFunctionsStandIn({ invoker });
    const arn = sfn.addStateMachine({
      name: 'timeout',
      definition: {
        StartAt: 'Slow',
        States: {
          Slow: {
            Type: 'Task',
            Resource: FN('slow'),
            TimeoutSeconds: 1,
            Catch: [
              { ErrorEquals: ['States.TaskFailed'], Next: 'TaskFailedCatcher' },
              { ErrorEquals: ['States.Timeout'], ResultPath: '$.timeout', Next: 'TimedOut' },
            ],
            End: true,
          },
          TaskFailedCatcher: { Type: 'Fail', Error: 'WrongCatcher' },
          TimedOut: { Type: 'Pass', End: true },
        },
      },
    });
    try {
      const { described, types, events, executionArn } = await run(sfn, arn, {});
      expect(described.status).toBe('SUCCEEDED');
      expect(JSON.parse(described.output as string).timeout).toMatchObject({ Error: 'States.Timeout' });
      expect(types).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'LambdaFunctionScheduled',
        'LambdaFunctionStarted',
        'LambdaFunctionTimedOut',
        'TaskStateExited',
        'PassStateEntered',
        'PassStateExited',
        'ExecutionSucceeded',
      ]);
      expect(events[2].lambdaFunctionScheduledEventDetails).toMatchObject({ timeoutInSeconds: 1 });
      expect(events[4].lambdaFunctionTimedOutEventDetails).toEqual({ error: 'States.Timeout' });
      // The timer starts when the state is entered (the library's clock), and fires after TimeoutSeconds.
      const elapsed = events[4].timestamp - events[1].timestamp;
      expect(elapsed).toBeGreaterThanOrEqual(0.98);
      expect(elapsed).toBeLessThan(1.45);
      await slow.promise;
      await new Promise((r) => setImmediate(r));
      const after = (await sfn.handle('GetExecutionHistory', { executionArn })) as { events: HistoryEventRecord[] };
      expect(after.events).toHaveLength(events.length);
    } finally {
      clearTimeout(timer);
    }
  });

  test('a Choice/Pass loop with an intrinsic counter; a Fail state and an unmatched Choice fail the execution', async () => {
    const sfn = new StepFunctionsStandIn({ invoker: new FakeInvoker({}) });
    const arn = sfn.addStateMachine({
      name: 'loop',
      definition: {
        StartAt: 'Check',
        States: {
          Check: {
            Type: 'Choice',
            Choices: [
              { Variable: '$.count', NumericGreaterThanEquals: 3, Next: 'Done' },
              { Variable: '$.count', NumericLessThan: 0, Next: 'Negative' },
            ],
            Default: 'Increment',
          },
          Increment: { Type: 'Pass', Parameters: { 'count.$': 'States.MathAdd($.count, 1)' }, Next: 'Check' },
          Negative: { Type: 'Fail', Error: 'NegativeCount', Cause: 'count was negative' },
          Done: { Type: 'Succeed' },
        },
      },
    });
    const looped = await run(sfn, arn, { count: 0 });
    expect(looped.described.status).toBe('SUCCEEDED');
    expect(JSON.parse(looped.described.output as string)).toEqual({ count: 3 });
    expect(looped.types.filter((t) => t === 'ChoiceStateEntered')).toHaveLength(4);
    expect(looped.types.filter((t) => t === 'PassStateExited')).toHaveLength(3);
    expect(looped.types.slice(-3)).toEqual(['SucceedStateEntered', 'SucceedStateExited', 'ExecutionSucceeded']);
    const passOutputs = looped.events.filter((e) => e.type === 'PassStateExited').map((e) => JSON.parse(detailsOf(e).output as string));
    expect(passOutputs).toEqual([{ count: 1 }, { count: 2 }, { count: 3 }]);

    const negative = await run(sfn, arn, { count: -1 });
    expect(negative.described).toMatchObject({ status: 'FAILED', error: 'NegativeCount', cause: 'count was negative' });
    expect(negative.types).toEqual(['ExecutionStarted', 'ChoiceStateEntered', 'ChoiceStateExited', 'FailStateEntered', 'ExecutionFailed']);

    const bare = sfn.addStateMachine({ name: 'bare-fail', definition: { StartAt: 'F', States: { F: { Type: 'Fail' } } } });
    const bareRun = await run(sfn, bare, {});
    expect(bareRun.described.status).toBe('FAILED');
    expect(bareRun.described).not.toHaveProperty('error');
    expect(bareRun.described).not.toHaveProperty('cause');
    expect(bareRun.events.at(-1)!.executionFailedEventDetails).toEqual({});

    const choiceOnly = sfn.addStateMachine({
      name: 'no-default',
      definition: { StartAt: 'C', States: { C: { Type: 'Choice', Choices: [{ Variable: '$.a', NumericEquals: 1, Next: 'S' }] }, S: { Type: 'Succeed' } } },
    });
    const noMatch = await run(sfn, choiceOnly, { a: 2 });
    expect(noMatch.described).toMatchObject({ status: 'FAILED', error: 'States.NoChoiceMatched' });

    // A runaway loop ends the way AWS ends it: the 25,000th history event is ExecutionFailed.
    const runaway = sfn.addStateMachine({
      name: 'runaway',
      definition: {
        StartAt: 'Spin',
        States: {
          Spin: { Type: 'Choice', Choices: [{ Variable: '$.stop', BooleanEquals: true, Next: 'Stop' }], Default: 'Again' },
          Again: { Type: 'Pass', Next: 'Spin' },
          Stop: { Type: 'Succeed' },
        },
      },
    });
    const { executionArn } = (await sfn.handle('StartExecution', { stateMachineArn: runaway, input: '{"stop":false}' })) as { executionArn: string };
    await sfn.waitForExecution(executionArn);
    expect(await sfn.handle('DescribeExecution', { executionArn })).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: 'The execution reached the maximum number of history events (25000).',
    });
    const last = (await sfn.handle('GetExecutionHistory', { executionArn, reverseOrder: true, maxResults: 1 })) as { events: HistoryEventRecord[] };
    expect(last.events[0]).toMatchObject({ id: 25_000, type: 'ExecutionFailed' });
  });

  test('execution names: idempotent while running with the same input, ExecutionAlreadyExists otherwise; input and ARN validation', async () => {
    const gate = deferred<void>();
    const invoker = new FakeInvoker({
      [FN('wait')]: async () => {
        await gate.promise;
        return ok({});
      },
    });
    const sfn = new StepFunctionsStandIn({ invoker });
    const arn = sfn.addStateMachine({ name: 'names', definition: { StartAt: 'W', States: { W: { Type: 'Task', Resource: FN('wait'), End: true } } } });

    const first = (await sfn.handle('StartExecution', { stateMachineArn: arn, name: 'rotation-1', input: '{"a":1}' })) as { executionArn: string; startDate: number };
    const again = (await sfn.handle('StartExecution', { stateMachineArn: arn, name: 'rotation-1', input: '{"a":1}' })) as { executionArn: string; startDate: number };
    expect(again).toEqual(first);
    await expectAwsError(
      sfn.handle('StartExecution', { stateMachineArn: arn, name: 'rotation-1', input: '{"a":2}' }),
      'ExecutionAlreadyExists',
      `Execution Already Exists: '${first.executionArn}'`,
    );
    expect((await sfn.handle('DescribeExecution', { executionArn: first.executionArn })) as object).toMatchObject({ status: 'RUNNING' });
    expect(await sfn.handle('DescribeExecution', { executionArn: first.executionArn })).not.toHaveProperty('stopDate');

    gate.resolve();
    await sfn.waitForExecution(first.executionArn);
    await expectAwsError(sfn.handle('StartExecution', { stateMachineArn: arn, name: 'rotation-1', input: '{"a":1}' }), 'ExecutionAlreadyExists');
    expect(invoker.calls).toHaveLength(1);

    for (const bad of ['has space', 'star*', 'a/b', 'x'.repeat(81), 'tab\there', 'ctl\u0001', '']) {
      await expectAwsError(sfn.handle('StartExecution', { stateMachineArn: arn, name: bad }), 'InvalidName');
    }
    const ok80 = (await sfn.handle('StartExecution', { stateMachineArn: arn, name: 'x'.repeat(80) })) as { executionArn: string };
    await sfn.waitForExecution(ok80.executionArn);
    // Without a name, the execution is named by a UUID.
    const nameless = (await sfn.handle('StartExecution', { stateMachineArn: arn })) as { executionArn: string };
    expect(nameless.executionArn).toMatch(/:execution:names:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    await sfn.waitForExecution(nameless.executionArn);
    await expectAwsError(sfn.handle('StartExecution', { stateMachineArn: arn, input: '{not json' }), 'InvalidExecutionInput');
    await expectAwsError(sfn.handle('StartExecution', { stateMachineArn: SM('nope') }), 'StateMachineDoesNotExist');
    await expectAwsError(sfn.handle('StartExecution', {}), 'ValidationException');
    await expectAwsError(sfn.handle('DescribeExecution', { executionArn: `${first.executionArn}-other` }), 'ExecutionDoesNotExist');
    await expectAwsError(sfn.handle('DescribeExecution', { executionArn: arn }), 'InvalidArn');
  });

  test('GetExecutionHistory: reverseOrder, maxResults/nextToken pages, includeExecutionData=false', async () => {
    const sfn = new StepFunctionsStandIn({ invoker: new FakeInvoker({ [FN('f')]: () => ok({ secret: 'hunter2' }) }) });
    const arn = sfn.addStateMachine({ name: 'pages', definition: { StartAt: 'T', States: { T: { Type: 'Task', Resource: FN('f'), End: true } } } });
    const { executionArn, events } = await run(sfn, arn, { x: 1 });
    expect(events).toHaveLength(7);

    const reversed = (await sfn.handle('GetExecutionHistory', { executionArn, reverseOrder: true })) as { events: HistoryEventRecord[] };
    expect(reversed.events.map((e) => e.id)).toEqual([7, 6, 5, 4, 3, 2, 1]);

    const pages: HistoryEventRecord[] = [];
    let nextToken: string | undefined;
    do {
      const page = (await sfn.handle('GetExecutionHistory', { executionArn, maxResults: 3, nextToken })) as { events: HistoryEventRecord[]; nextToken?: string };
      expect(page.events.length).toBeLessThanOrEqual(3);
      pages.push(...page.events);
      nextToken = page.nextToken;
    } while (nextToken);
    expect(pages).toEqual(events);
    await expectAwsError(sfn.handle('GetExecutionHistory', { executionArn, nextToken: 'garbage' }), 'InvalidToken');

    const withoutData = (await sfn.handle('GetExecutionHistory', { executionArn, includeExecutionData: false })) as { events: HistoryEventRecord[] };
    expect(JSON.stringify(withoutData.events)).not.toContain('hunter2');
    expect(JSON.stringify(events)).toContain('hunter2');
    expect(withoutData.events[1].stateEnteredEventDetails).toEqual({ name: 'T', inputDetails: { truncated: false } });
  });

  test('ListExecutions: newest first, statusFilter; a running execution has no stop date', async () => {
    const gate = deferred<void>();
    const invoker = new FakeInvoker({
      [FN('hang')]: async (payload) => {
        if ((payload as { hang?: boolean }).hang) await gate.promise;
        return ok({ finished: true });
      },
    });
    const sfn = new StepFunctionsStandIn({ invoker });
    const arn = sfn.addStateMachine({
      name: 'list',
      definition: { StartAt: 'H', States: { H: { Type: 'Task', Resource: FN('hang'), Next: 'After' }, After: { Type: 'Pass', End: true } } },
    });
    const done = await run(sfn, arn, { hang: false }, 'first');
    await new Promise((r) => setTimeout(r, 5));
    const { executionArn: runningArn } = (await sfn.handle('StartExecution', { stateMachineArn: arn, name: 'second', input: '{"hang":true}' })) as { executionArn: string };
    await new Promise((r) => setTimeout(r, 20)); // the function is now in flight

    const listed = (await sfn.handle('ListExecutions', { stateMachineArn: arn })) as { executions: Record<string, unknown>[] };
    expect(listed.executions.map((e) => [e.name, e.status])).toEqual([
      ['second', 'RUNNING'],
      ['first', 'SUCCEEDED'],
    ]);
    expect(listed.executions[0]).not.toHaveProperty('stopDate');
    expect(listed.executions[1]).toMatchObject({ executionArn: done.executionArn, stateMachineArn: arn, stopDate: done.described.stopDate });
    const running = (await sfn.handle('ListExecutions', { stateMachineArn: arn, statusFilter: 'RUNNING' })) as { executions: Record<string, unknown>[] };
    expect(running.executions.map((e) => e.name)).toEqual(['second']);
    await expectAwsError(sfn.handle('ListExecutions', { stateMachineArn: SM('nope') }), 'StateMachineDoesNotExist');

    gate.resolve();
    await sfn.waitForExecution(runningArn);
    const finished = (await sfn.handle('ListExecutions', { stateMachineArn: arn, statusFilter: 'SUCCEEDED' })) as { executions: Record<string, unknown>[] };
    expect(finished.executions.map((e) => e.name)).toEqual(['second', 'first']);
  });

  test('a top-level TimeoutSeconds times the execution out', async () => {
    const sfn = new StepFunctionsStandIn({ invoker: new FakeInvoker({}) });
    const arn = sfn.addStateMachine({ name: 'deadline', definition: { TimeoutSeconds: 1, StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3, End: true } } } });
    const { described, types, events } = await run(sfn, arn, {});
    expect(described).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(types).toEqual(['ExecutionStarted', 'WaitStateEntered', 'ExecutionTimedOut']);
    expect(events[2].executionTimedOutEventDetails).toEqual({ error: 'States.Timeout' });
  });

  test('retainEndedHistories: only the last N ended executions keep their history; every one stays described and listed', async () => {
    const sfn = new StepFunctionsStandIn({ invoker: new FakeInvoker({ [FN('echo')]: (payload) => ok(payload) }), retainEndedHistories: 2 });
    const arn = sfn.addStateMachine({ name: 'retained', definition: { StartAt: 'T', States: { T: { Type: 'Task', Resource: FN('echo'), End: true } } } });
    const runs = [];
    for (let i = 0; i < 4; i += 1) runs.push(await run(sfn, arn, { i }, `run-${i}`));
    expect(sfn.droppedHistories()).toBe(2);
    for (const [i, { executionArn }] of runs.entries()) {
      const described = (await sfn.handle('DescribeExecution', { executionArn })) as Record<string, unknown>;
      expect(described).toMatchObject({ status: 'SUCCEEDED', output: JSON.stringify({ i }), input: JSON.stringify({ i }) });
      const history = sfn.handle('GetExecutionHistory', { executionArn });
      if (i < 2) await expectAwsError(history, 'LocalHistoryNotRetained', /retainEndedHistories: the last 2 ended executions; AWS keeps it 90 days/);
      else expect(((await history) as { events: HistoryEventRecord[] }).events.map((e) => e.type)).toEqual(runs[i].types);
    }
    const listed = (await sfn.handle('ListExecutions', { stateMachineArn: arn })) as { executions: Array<{ name: string }> };
    expect(listed.executions.map((e) => e.name)).toEqual(['run-3', 'run-2', 'run-1', 'run-0']);
    // A running execution keeps its history whatever the limit.
    const held = deferred<InvocationResult>();
    const slow = new StepFunctionsStandIn({ invoker: new FakeInvoker({ [FN('slow')]: () => held.promise }), retainEndedHistories: 0 });
    const slowArn = slow.addStateMachine({ name: 'slow', definition: { StartAt: 'T', States: { T: { Type: 'Task', Resource: FN('slow'), End: true } } } });
    const { executionArn } = (await slow.handle('StartExecution', { stateMachineArn: slowArn })) as { executionArn: string };
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(((await slow.handle('GetExecutionHistory', { executionArn })) as { events: unknown[] }).events.length).toBeGreaterThan(2);
    held.resolve(ok({}));
    await slow.waitForExecution(executionArn);
    await expectAwsError(slow.handle('GetExecutionHistory', { executionArn }), 'LocalHistoryNotRetained');
    expect(() => new StepFunctionsStandIn({ invoker: new FakeInvoker({}), retainEndedHistories: -1 })).toThrow(/integer ≥ 0/);
  });

  test('without retainEndedHistories every history is kept', async () => {
    const sfn = new StepFunctionsStandIn({ invoker: new FakeInvoker({ [FN('echo')]: (payload) => ok(payload) }) });
    const arn = sfn.addStateMachine({ name: 'kept', definition: { StartAt: 'T', States: { T: { Type: 'Task', Resource: FN('echo'), End: true } } } });
    for (let i = 0; i < 3; i += 1) await run(sfn, arn, { i });
    expect(sfn.droppedHistories()).toBe(0);
  });

  test('a function the invoker does not know fails as Lambda.ResourceNotFoundException', async () => {
    const sfn = new StepFunctionsStandIn({ invoker: new FakeInvoker({}) });
    const arn = sfn.addStateMachine({ name: 'missing', definition: { StartAt: 'T', States: { T: { Type: 'Task', Resource: FN('ghost'), End: true } } } });
    const { described } = await run(sfn, arn, {});
    expect(described).toMatchObject({ status: 'FAILED', error: 'Lambda.ResourceNotFoundException' });
    expect(described.cause).toMatch(/Function not found/);
  });

  test('addStateMachine rejects what the stand-in cannot run faithfully', () => {
    const sfn = new StepFunctionsStandIn({ invoker: new FakeInvoker({}) });
    const reject = (definition: object, message: RegExp) => {
      let thrown: unknown;
      try {
        sfn.addStateMachine({ name: `bad-${Math.random().toString(36).slice(2)}`, definition });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AwsServiceError);
      expect((thrown as AwsServiceError).type).toBe('InvalidDefinition');
      expect((thrown as AwsServiceError).message).toMatch(message);
    };
    reject({ StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:getItem', End: true } } }, /only runs Lambda function ARNs/);
    // The optimized integration is not what the rotator synthesizes (payloadResponseOnly gives the function ARN).
    reject({ StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: FN('f') }, End: true } } }, /only runs Lambda function ARNs/);
    reject({ QueryLanguage: 'JSONata', StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, /JSONata/);
    reject({ StartAt: 'P', States: { P: { Type: 'Pass', Assign: { x: 1 }, End: true } } }, /Assign/);
    reject({ StartAt: 'Missing', States: { P: { Type: 'Pass', End: true } } }, /./);
    reject({ StartAt: 'P', States: { P: { Type: 'Parallel', Branches: [{ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }], End: true } } }, /Parallel state 'P' is not supported/);
    reject(
      { StartAt: 'M', States: { M: { Type: 'Map', ItemProcessor: { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }, End: true } } },
      /Map state 'M' is not supported/,
    );
    sfn.addStateMachine({ name: 'dup', definition: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } } });
    expect(() => sfn.addStateMachine({ name: 'dup', definition: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } } })).toThrow(/Already Exists/);
  });

  test('through the real @aws-sdk/client-sfn and the local endpoint (JSON 1.0, epoch-second dates, real exception classes)', async () => {
    const invoker = new FakeInvoker({ [FN('f')]: (payload) => ok({ seen: payload }) });
    const sfn = new StepFunctionsStandIn({ invoker });
    const arn = sfn.addStateMachine({ name: 'sdk', definition: { StartAt: 'T', States: { T: { Type: 'Task', Resource: FN('f'), End: true } } } });
    const aws = await startLocalAws({ services: [sfn] });
    const client = new SFNClient({ endpoint: aws.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIALOCAL', secretAccessKey: 'local' }, maxAttempts: 1 });
    try {
      const started = await client.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'via-sdk', input: '{"k":"v"}' }));
      expect(started.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:sdk:via-sdk');
      expect(started.startDate).toBeInstanceOf(Date);
      await sfn.waitForExecution(started.executionArn!);

      const described = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
      expect(described.status).toBe('SUCCEEDED');
      expect(described.stopDate).toBeInstanceOf(Date);
      expect(described.stopDate!.getTime()).toBeGreaterThanOrEqual(described.startDate!.getTime());
      expect(JSON.parse(described.output!)).toEqual({ seen: { k: 'v' } });

      const history = await client.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn }));
      expect(history.events!.map((e) => e.type)).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'LambdaFunctionScheduled',
        'LambdaFunctionStarted',
        'LambdaFunctionSucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ]);
      expect(history.events![0].timestamp).toBeInstanceOf(Date);
      expect(history.events![1].stateEnteredEventDetails).toEqual({ name: 'T', input: '{"k":"v"}', inputDetails: { truncated: false } });
      expect(history.events![4].lambdaFunctionSucceededEventDetails!.output).toBe('{"seen":{"k":"v"}}');

      const listed = await client.send(new ListExecutionsCommand({ stateMachineArn: arn }));
      expect(listed.executions!.map((e) => e.name)).toEqual(['via-sdk']);

      const duplicate = await client.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'via-sdk', input: '{"k":"v"}' })).catch((e: unknown) => e);
      expect(duplicate).toBeInstanceOf(ExecutionAlreadyExists);
      const missing = await client.send(new DescribeExecutionCommand({ executionArn: `${started.executionArn}x` })).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(ExecutionDoesNotExist);
    } finally {
      client.destroy();
      await aws.stop();
    }
  });
});

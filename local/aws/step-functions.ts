/**
 * A local stand-in for AWS Step Functions (Standard workflows), served through `server.ts` (JSON 1.0, `AWSStepFunctions.*`).
 *
 * Definitions run in-process with aws-local-stepfunctions. Every Task state is dispatched through a `FunctionInvoker`
 * (the local Lambda service): a Lambda function ARN as `Resource`, which is what CDK's `LambdaInvoke` with
 * `payloadResponseOnly` synthesizes. A function error reaches Retry/Catch the way AWS reports it: the error name is the
 * function's `errorType` and the cause is the runtime's JSON `{"errorType","errorMessage","trace"}`.
 * What the product's definitions do not use is refused rather than run approximately: other Task resources (the
 * optimized `lambda:invoke` integration among them), Parallel and Map states, JSONata.
 *
 * The library's event log is translated into AWS history events (the types and `...EventDetails` fields of
 * @aws-sdk/client-sfn), with real timestamps, so `GetExecutionHistory` shows every state input and output, and every
 * Lambda input and raw output, as the real service does.
 *
 * Timestamps in responses are epoch seconds (numbers), which is what the JSON 1.0 protocol carries on the wire.
 */
import './promise-polyfill';
import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import {
  AwsServiceError,
  type FunctionInvoker,
  type InvocationResult,
  type JsonService,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
} from './protocol';

export interface StepFunctionsStandInOptions {
  readonly invoker: FunctionInvoker;
  /** Overrides the wait before every retry of every state that has a `Retry` (milliseconds), for fast tests. Default: the real intervals. */
  readonly retryIntervalMs?: number;
  /** Not supported: `TimeoutSeconds` are real seconds. */
  readonly taskTimeoutScale?: never;
  /**
   * Eventual consistency of `ListExecutions` and `DescribeExecution` (API reference: both are eventually consistent):
   * an execution started less than this long ago is not listed yet, and one that ended less than this long ago is
   * still reported RUNNING, without its stop date or result. Default: 0 (consistent at once).
   */
  readonly listingLagMs?: number;
  /**
   * Keep the event history (what GetExecutionHistory returns) of only the last this many executions to end; an older
   * one keeps everything DescribeExecution and ListExecutions report (the product calls nothing else on an ended
   * execution: the rotation function and the device lease describe it), and GetExecutionHistory on it fails with
   * `LocalHistoryNotRetained`. AWS keeps a closed execution's history for 90 days: this is a local memory measure, for
   * fleet runs of tens of thousands of executions in one process. Default: every history, for good.
   */
  readonly retainEndedHistories?: number;
}

export interface AddStateMachineParams {
  readonly name: string;
  /** The ASL definition (JSONPath query language), as an object or its JSON text. */
  readonly definition: object | string;
  /** Default `arn:aws:states:us-east-1:000000000000:stateMachine:<name>`. */
  readonly arn?: string;
  /** Reported as `$$.Execution.RoleArn` and in `ExecutionStarted`. Default `arn:aws:iam::000000000000:role/<name>-role`. */
  readonly roleArn?: string;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** One history event as GetExecutionHistory returns it: `{id, previousEventId, timestamp, type, <xxxEventDetails>}`. */
export interface HistoryEventRecord {
  readonly id: number;
  readonly previousEventId: number;
  /** Epoch seconds, millisecond precision. */
  readonly timestamp: number;
  readonly type: string;
  readonly [details: string]: unknown;
}

/** The largest timer Node honours (2^31-1 ms); longer delays fire at once. */
const MAX_TIMER_SECONDS = Math.floor(0x7fffffff / 1000);
/** AWS fails an execution whose history reaches this many events (that event is the ExecutionFailed). */
const MAX_HISTORY_EVENTS = 25_000;
const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,140}(:[A-Za-z0-9_$-]{1,128})?$/;
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:([^:]+):([^:]+)$/;
// Names: 1-80 characters; no white space, brackets, wildcards, special characters or control characters.
// eslint-disable-next-line no-control-regex
const INVALID_NAME_CHARACTER = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;
const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type AnyObject = Record<string, unknown>;
type RunHandle = ReturnType<StateMachine['run']>;
type LibraryEvent = RunHandle['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** The function a Task state calls (its `Resource`), and its `TimeoutSeconds`. */
interface TaskTarget {
  readonly resource: string;
  readonly timeoutSeconds?: number;
}

interface MachineRecord {
  readonly arn: string;
  readonly name: string;
  readonly roleArn: string;
  readonly engine: StateMachine;
  /** Every state by name: the original definition. */
  readonly states: ReadonlyMap<string, AnyObject>;
  readonly tasks: ReadonlyMap<string, TaskTarget>;
  readonly retryableStates: readonly string[];
}

interface Attempt {
  state: 'pending' | 'running' | 'closed';
}

interface ExecutionRecord {
  readonly arn: string;
  readonly name: string;
  readonly machine: MachineRecord;
  readonly inputText: string;
  readonly startMs: number;
  readonly seq: number;
  status: ExecutionStatus;
  stopMs?: number;
  output?: string;
  error?: string;
  cause?: string;
  events: HistoryEventRecord[];
  /** Its events were dropped (`retainEndedHistories`); `events` is empty. */
  historyDropped?: boolean;
  /** Lambda invocations under way, per Task state name, oldest first. */
  readonly openAttempts: Map<string, Attempt[]>;
  lastFailState?: string;
  handle?: RunHandle;
  done?: Promise<void>;
  internalError?: unknown;
}

/** An error a Task reports to Retry/Catch under the given name, with a string Cause (the library uses `message` as Cause). */
class TaskError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/** Like the library's own States.Runtime: neither retried nor caught. */
class RuntimeFailure extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor(message: string) {
    super(message);
    this.name = 'States.Runtime';
  }
}

export class StepFunctionsStandIn implements JsonService {
  readonly targetPrefix = 'AWSStepFunctions';
  private readonly invoker: FunctionInvoker;
  private readonly retryIntervalMs?: number;
  private readonly machines = new Map<string, MachineRecord>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private seq = 0;
  /** Ended executions whose history is still kept, oldest first (only with `retainEndedHistories`). */
  private readonly endedWithHistory = new Set<ExecutionRecord>();
  private readonly retainEndedHistories?: number;
  /** See `StepFunctionsStandInOptions.listingLagMs`; tests may change it while running. */
  listingLagMs: number;

  constructor(options: StepFunctionsStandInOptions) {
    this.invoker = options.invoker;
    this.retryIntervalMs = options.retryIntervalMs;
    this.listingLagMs = options.listingLagMs ?? 0;
    if (options.retainEndedHistories !== undefined && !(Number.isInteger(options.retainEndedHistories) && options.retainEndedHistories >= 0)) {
      throw new Error(`retainEndedHistories must be an integer ≥ 0, not ${String(options.retainEndedHistories)}`);
    }
    this.retainEndedHistories = options.retainEndedHistories;
  }

  /** Executions whose event history was dropped (`retainEndedHistories`) so far. */
  droppedHistories(): number {
    let dropped = 0;
    for (const execution of this.executions.values()) if (execution.historyDropped === true) dropped += 1;
    return dropped;
  }

  /** What an eventually consistent read sees of an execution now: its state as of `listingLagMs` ago. */
  private seen(execution: ExecutionRecord): { visible: boolean; closed: boolean } {
    const asOf = Date.now() - this.listingLagMs;
    return { visible: execution.startMs <= asOf, closed: execution.stopMs !== undefined && execution.stopMs <= asOf };
  }

  /** Registers a state machine (what CreateStateMachine would do) and returns its ARN. Throws `InvalidDefinition`. */
  addStateMachine(params: AddStateMachineParams): string {
    const { name } = params;
    if (!isValidName(name)) throw new AwsServiceError('InvalidName', `Invalid Name: '${name}'`);
    const arn = params.arn ?? `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${name}`;
    if (!STATE_MACHINE_ARN.test(arn)) throw new AwsServiceError('InvalidArn', `Invalid Arn: '${arn}'`);
    if (this.machines.has(arn)) throw new AwsServiceError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    const original = (typeof params.definition === 'string' ? JSON.parse(params.definition) : cloneJson(params.definition)) as AnyObject;
    const prepared = cloneJson(original) as AnyObject;

    const states = new Map<string, AnyObject>();
    const tasks = new Map<string, TaskTarget>();
    const retryableStates: string[] = [];
    const invalid = (message: string): never => {
      throw new AwsServiceError('InvalidDefinition', `Invalid State Machine Definition: '${message}'`);
    };
    if (original.QueryLanguage !== undefined && original.QueryLanguage !== 'JSONPath') {
      invalid(`QueryLanguage ${String(original.QueryLanguage)} is not supported by the local stand-in (keep JSONPath)`);
    }
    if (typeof prepared.TimeoutSeconds === 'number' && prepared.TimeoutSeconds > MAX_TIMER_SECONDS) delete prepared.TimeoutSeconds;

    const copies = (prepared.States ?? {}) as Record<string, AnyObject>;
    for (const [stateName, state] of Object.entries((original.States ?? {}) as Record<string, AnyObject>)) {
      const copy = copies[stateName];
      states.set(stateName, state);
      if (state.Type === 'Parallel' || state.Type === 'Map') {
        invalid(`${String(state.Type)} state '${stateName}' is not supported by the local stand-in (the rotator's workflows have none)`);
      }
      for (const unsupported of ['QueryLanguage', 'Assign', 'Arguments', 'Output'] as const) {
        if (state[unsupported] !== undefined && !(unsupported === 'QueryLanguage' && state[unsupported] === 'JSONPath')) {
          invalid(`'${unsupported}' in state '${stateName}' is not supported by the local stand-in (aws-local-stepfunctions ignores it)`);
        }
      }
      if (Array.isArray(state.Retry) && state.Retry.length > 0) retryableStates.push(stateName);
      if (state.Type !== 'Task') continue;
      const resource = state.Resource;
      if (typeof resource !== 'string' || !LAMBDA_FUNCTION_ARN.test(resource)) {
        invalid(`Task state '${stateName}': the local stand-in only runs Lambda function ARNs, not ${String(resource)}`);
      }
      tasks.set(stateName, { resource: resource as string, timeoutSeconds: typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : undefined });
      // The library gives a Task without TimeoutSeconds a 60-second timeout; AWS gives it none.
      if (copy.TimeoutSeconds === undefined && copy.TimeoutSecondsPath === undefined) copy.TimeoutSeconds = MAX_TIMER_SECONDS;
      if (typeof copy.TimeoutSeconds === 'number' && copy.TimeoutSeconds > MAX_TIMER_SECONDS) copy.TimeoutSeconds = MAX_TIMER_SECONDS;
    }

    let engine: StateMachine;
    try {
      engine = new StateMachine(prepared as unknown as StateMachineDefinition);
    } catch (error) {
      return invalid(error instanceof Error ? error.message : String(error));
    }
    const roleArn = params.roleArn ?? `arn:aws:iam::${LOCAL_ACCOUNT}:role/${name}-role`;
    this.machines.set(arn, { arn, name: arn.slice(arn.lastIndexOf(':') + 1), roleArn, engine, states, tasks, retryableStates });
    return arn;
  }

  async handle(operation: string, input: Record<string, unknown>): Promise<unknown> {
    switch (operation) {
      case 'StartExecution':
        return this.startExecution(input);
      case 'DescribeExecution':
        return this.describeExecution(input);
      case 'GetExecutionHistory':
        return this.getExecutionHistory(input);
      case 'ListExecutions':
        return this.listExecutions(input);
      default:
        throw new AwsServiceError('UnknownOperationException', `Operation ${operation} is not supported by the local Step Functions stand-in`);
    }
  }

  /** Resolves once the execution is closed and its history complete (not an AWS API). Rejects on an internal error of the stand-in. */
  async waitForExecution(executionArn: string): Promise<void> {
    const execution = this.execution(executionArn);
    await execution.done;
    if (execution.internalError !== undefined) throw execution.internalError;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Operations

  private startExecution(input: AnyObject): { executionArn: string; startDate: number } {
    const stateMachineArn = requiredString(input, 'stateMachineArn');
    const name = optionalString(input, 'name') ?? randomUUID();
    const inputText = optionalString(input, 'input') ?? '{}';
    if (!isValidName(name)) throw new AwsServiceError('InvalidName', `Invalid Name: '${name}'`);
    if (!STATE_MACHINE_ARN.test(stateMachineArn)) throw new AwsServiceError('InvalidArn', `Invalid Arn: '${stateMachineArn}'`);
    const machine = this.machines.get(stateMachineArn);
    if (!machine) throw new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    let parsedInput: Json;
    try {
      parsedInput = JSON.parse(inputText) as Json;
    } catch (error) {
      throw new AwsServiceError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${(error as Error).message}'`);
    }
    const arn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = this.executions.get(arn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.inputText === inputText) return { executionArn: arn, startDate: seconds(existing.startMs) };
      throw new AwsServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }

    const startMs = Date.now();
    const execution: ExecutionRecord = {
      arn,
      name,
      machine,
      inputText,
      startMs,
      seq: (this.seq += 1),
      status: 'RUNNING',
      events: [],
      openAttempts: new Map(),
    };
    this.executions.set(arn, execution);

    const taskResourceLocalHandlers: Record<string, (taskInput: Json) => Promise<Json>> = {};
    for (const [stateName, target] of machine.tasks) {
      taskResourceLocalHandlers[stateName] = (taskInput) => this.runTask(execution, stateName, target, taskInput);
    }
    const retryIntervalOverrides: Record<string, number> = {};
    if (this.retryIntervalMs !== undefined) {
      for (const stateName of machine.retryableStates) retryIntervalOverrides[stateName] = this.retryIntervalMs;
    }
    const handle = machine.engine.run(parsedInput, {
      overrides: { taskResourceLocalHandlers, retryIntervalOverrides },
      context: {
        Execution: { Id: arn, Name: name, StartTime: new Date(startMs).toISOString(), Input: parsedInput, RoleArn: machine.roleArn },
        StateMachine: { Id: machine.arn, Name: machine.name },
      },
    });
    execution.handle = handle;

    const consumed = (async () => {
      for await (const event of handle.eventLogs) this.translate(execution, event);
    })();
    const settled = handle.result.then(
      () => undefined,
      (error: unknown) => error,
    );
    const finished = Promise.all([consumed, settled]).then(
      ([, error]) => {
        if (execution.status === 'RUNNING') {
          // The library settled without a closing event we could translate: report what it said.
          const failure = error instanceof Error ? (error.cause instanceof Error ? error.cause : error) : undefined;
          this.close(execution, 'FAILED', 'ExecutionFailed', 'executionFailedEventDetails', Date.now(), {
            error: failure?.name ?? 'States.Runtime',
            cause: failure?.message ?? 'The execution ended without a result',
          });
        }
      },
      (internalError: unknown) => {
        execution.internalError = internalError;
        if (execution.status === 'RUNNING') {
          this.close(execution, 'FAILED', 'ExecutionFailed', 'executionFailedEventDetails', Date.now(), {
            error: 'States.Runtime',
            cause: `Local Step Functions stand-in error: ${internalError instanceof Error ? internalError.message : String(internalError)}`,
          });
          handle.abort();
        }
      },
    );
    execution.done = finished.then(() => {
      // The library's run (its event stream, the state machine's intermediate values) is no longer needed.
      execution.handle = undefined;
      this.historyEnded(execution);
    });
    return { executionArn: arn, startDate: seconds(startMs) };
  }

  private describeExecution(input: AnyObject): AnyObject {
    const execution = this.execution(requiredString(input, 'executionArn'));
    if (this.listingLagMs > 0 && !this.seen(execution).closed) {
      return compact({
        executionArn: execution.arn,
        stateMachineArn: execution.machine.arn,
        name: execution.name,
        status: 'RUNNING',
        startDate: seconds(execution.startMs),
        input: execution.inputText,
        inputDetails: { included: true },
      });
    }
    return compact({
      executionArn: execution.arn,
      stateMachineArn: execution.machine.arn,
      name: execution.name,
      status: execution.status,
      startDate: seconds(execution.startMs),
      stopDate: execution.stopMs === undefined ? undefined : seconds(execution.stopMs),
      input: execution.inputText,
      inputDetails: { included: true },
      output: execution.output,
      outputDetails: execution.output === undefined ? undefined : { included: true },
      error: execution.error,
      cause: execution.cause,
    });
  }

  /** The execution's history is complete: keep it among the last `retainEndedHistories`, dropping the oldest beyond. */
  private historyEnded(execution: ExecutionRecord): void {
    if (this.retainEndedHistories === undefined) return;
    this.endedWithHistory.add(execution);
    for (const oldest of this.endedWithHistory) {
      if (this.endedWithHistory.size <= this.retainEndedHistories) break;
      this.endedWithHistory.delete(oldest);
      oldest.events = [];
      oldest.historyDropped = true;
    }
  }

  private getExecutionHistory(input: AnyObject): { events: HistoryEventRecord[]; nextToken?: string } {
    const execution = this.execution(requiredString(input, 'executionArn'));
    if (execution.historyDropped === true) {
      throw new AwsServiceError(
        'LocalHistoryNotRetained',
        `The local Step Functions stand-in no longer keeps the history of '${execution.arn}' (retainEndedHistories: the last ${String(this.retainEndedHistories)} ended executions; AWS keeps it 90 days)`,
      );
    }
    const reverseOrder = input.reverseOrder === true;
    const includeExecutionData = input.includeExecutionData !== false;
    const ordered = reverseOrder ? [...execution.events].reverse() : execution.events;
    const page = paginate(ordered, input, `history:${execution.arn}:${reverseOrder}`);
    const events = includeExecutionData ? page.items : page.items.map(withoutExecutionData);
    return compact({ events, nextToken: page.nextToken }) as { events: HistoryEventRecord[]; nextToken?: string };
  }

  private listExecutions(input: AnyObject): { executions: AnyObject[]; nextToken?: string } {
    const stateMachineArn = requiredString(input, 'stateMachineArn');
    if (!STATE_MACHINE_ARN.test(stateMachineArn)) throw new AwsServiceError('InvalidArn', `Invalid Arn: '${stateMachineArn}'`);
    if (!this.machines.has(stateMachineArn)) throw new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    const statusFilter = optionalString(input, 'statusFilter');
    if (statusFilter !== undefined && !STATUSES.includes(statusFilter as ExecutionStatus)) {
      throw validationError(`Value '${statusFilter}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${STATUSES.join(', ')}]`);
    }
    const lagged = [...this.executions.values()]
      .filter((e) => e.machine.arn === stateMachineArn && this.seen(e).visible)
      .map((e) => ({ e, status: this.seen(e).closed || e.status === 'RUNNING' ? e.status : ('RUNNING' as const) }));
    const matching = lagged
      .filter(({ status }) => statusFilter === undefined || status === statusFilter)
      .sort((a, b) => b.e.startMs - a.e.startMs || b.e.seq - a.e.seq)
      .map(({ e, status }) =>
        compact({
          executionArn: e.arn,
          stateMachineArn: e.machine.arn,
          name: e.name,
          status,
          startDate: seconds(e.startMs),
          stopDate: status === 'RUNNING' || e.stopMs === undefined ? undefined : seconds(e.stopMs),
        }),
      );
    const page = paginate(matching, input, `list:${stateMachineArn}:${statusFilter ?? ''}`);
    return compact({ executions: page.items, nextToken: page.nextToken }) as { executions: AnyObject[]; nextToken?: string };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Task dispatch

  private async runTask(execution: ExecutionRecord, stateName: string, target: TaskTarget, taskInput: Json): Promise<Json> {
    const attempt: Attempt = { state: 'pending' };
    const open = execution.openAttempts.get(stateName) ?? [];
    open.push(attempt);
    execution.openAttempts.set(stateName, open);
    try {
      // The library queued this state's StateEntered (and everything before it) synchronously just before calling us;
      // its event stream is read in microtasks, so after one macrotask the history is up to date and ours follows it.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (attempt.state !== 'pending' || execution.status !== 'RUNNING') throw new RuntimeFailure('The execution is no longer running');
      attempt.state = 'running';

      this.record(execution, 'LambdaFunctionScheduled', 'lambdaFunctionScheduledEventDetails', {
        resource: target.resource,
        input: JSON.stringify(taskInput),
        inputDetails: { truncated: false },
        timeoutInSeconds: target.timeoutSeconds,
      });
      this.record(execution, 'LambdaFunctionStarted');

      let result: InvocationResult | undefined;
      let serviceFailure: TaskError | undefined;
      try {
        result = await this.invoker.invoke(target.resource, taskInput);
      } catch (error) {
        serviceFailure = lambdaServiceError(error);
      }
      if (attempt.state !== 'running' || execution.status !== 'RUNNING') {
        // Timed out (the library has moved on) or the execution closed: AWS records nothing of a late result.
        throw new RuntimeFailure('The task result arrived after the state had timed out or the execution had closed');
      }
      attempt.state = 'closed';

      if (result?.ok) {
        const output = (result.payload ?? null) as Json;
        this.record(execution, 'LambdaFunctionSucceeded', 'lambdaFunctionSucceededEventDetails', {
          output: JSON.stringify(output),
          outputDetails: { truncated: false },
        });
        return output;
      }
      const failure =
        serviceFailure ??
        (result && !result.ok
          ? new TaskError(
              result.errorType || 'Lambda.Unknown',
              JSON.stringify({ errorType: result.errorType, errorMessage: result.errorMessage, trace: result.trace }),
            )
          : new TaskError('Lambda.SdkClientException', 'The invoker returned no result'));
      this.record(execution, 'LambdaFunctionFailed', 'lambdaFunctionFailedEventDetails', { error: failure.name, cause: failure.message });
      throw failure;
    } finally {
      const index = open.indexOf(attempt);
      if (index >= 0) open.splice(index, 1);
      attempt.state = 'closed';
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // History

  /** Translates one aws-local-stepfunctions event into AWS history events. */
  private translate(execution: ExecutionRecord, event: LibraryEvent): void {
    if (execution.status !== 'RUNNING') return;
    switch (event.type) {
      case 'ExecutionStarted':
        this.record(
          execution,
          'ExecutionStarted',
          'executionStartedEventDetails',
          { input: execution.inputText, inputDetails: { truncated: false }, roleArn: execution.machine.roleArn },
          event.timestamp,
        );
        return;
      case 'StateEntered': {
        const { name, type, input } = event.state;
        this.record(execution, `${type}StateEntered`, 'stateEnteredEventDetails', { name, input: json(input), inputDetails: { truncated: false } }, event.timestamp);
        return;
      }
      case 'StateExited': {
        const { name, type, output } = event.state;
        this.record(execution, `${type}StateExited`, 'stateExitedEventDetails', { name, output: json(output), outputDetails: { truncated: false } }, event.timestamp);
        return;
      }
      case 'StateFailed': {
        const { name, type } = event.state;
        if (type === 'Fail') execution.lastFailState = name;
        if (type === 'Task' && event.Error === 'States.Timeout') {
          // The library's Task timer fired: close the oldest invocation under way for this state (the one that timed out).
          const open = execution.openAttempts.get(name) ?? [];
          const attempt = open.find((a) => a.state !== 'closed');
          if (!attempt) return;
          attempt.state = 'closed';
          open.splice(open.indexOf(attempt), 1);
          this.record(execution, 'LambdaFunctionTimedOut', 'lambdaFunctionTimedOutEventDetails', { error: 'States.Timeout' }, event.timestamp);
        }
        // A Task's function failure was recorded when it happened; other state failures appear in ExecutionFailed.
        return;
      }
      case 'StateCaught':
        // AWS shows a caught Task error as its LambdaFunctionFailed (or TimedOut) and the state's exit; nothing to add.
        return;
      case 'StateRetried':
        // AWS shows a retry as the next LambdaFunctionScheduled of the same state; nothing to add.
        return;
      case 'ExecutionSucceeded': {
        const output = json(event.output);
        this.close(execution, 'SUCCEEDED', 'ExecutionSucceeded', 'executionSucceededEventDetails', event.timestamp, { output });
        return;
      }
      case 'ExecutionFailed': {
        let error: string | undefined = event.Error;
        let cause: string | undefined = event.Cause === undefined || typeof event.Cause === 'string' ? event.Cause : json(event.Cause);
        // A Fail state without Error/Cause: AWS reports none; the library reports placeholders.
        const failState = execution.lastFailState === undefined ? undefined : execution.machine.states.get(execution.lastFailState);
        if (failState) {
          if (error === 'FailStateError' && failState.Error === undefined && failState.ErrorPath === undefined) error = undefined;
          if (cause === 'Execution failed because of a Fail state' && failState.Cause === undefined && failState.CausePath === undefined) cause = undefined;
        }
        this.close(execution, 'FAILED', 'ExecutionFailed', 'executionFailedEventDetails', event.timestamp, { error, cause });
        return;
      }
      case 'ExecutionTimeout':
        this.close(execution, 'TIMED_OUT', 'ExecutionTimedOut', 'executionTimedOutEventDetails', event.timestamp, { error: 'States.Timeout' });
        return;
      case 'ExecutionAborted':
        // Only the history limit aborts the library's run, and it closes the execution itself first.
        return;
    }
  }

  /** Appends one history event; the one that would reach AWS's history limit fails the execution instead. */
  private record(execution: ExecutionRecord, type: string, detailsKey?: string, details?: AnyObject, timestampMs = Date.now()): void {
    if (execution.status !== 'RUNNING') return;
    if (execution.events.length >= MAX_HISTORY_EVENTS - 1) {
      this.close(execution, 'FAILED', 'ExecutionFailed', 'executionFailedEventDetails', timestampMs, {
        error: 'States.Runtime',
        cause: `The execution reached the maximum number of history events (${MAX_HISTORY_EVENTS}).`,
      });
      execution.handle?.abort();
      return;
    }
    this.append(execution, type, detailsKey, details, timestampMs);
  }

  private append(execution: ExecutionRecord, type: string, detailsKey: string | undefined, details: AnyObject | undefined, timestampMs: number): void {
    const id = execution.events.length + 1;
    // Timestamps never go backwards (library events and ours are stamped separately).
    const previous = execution.events[execution.events.length - 1];
    const timestamp = Math.max(seconds(timestampMs), previous?.timestamp ?? 0);
    const event: HistoryEventRecord = { timestamp, type, id, previousEventId: id - 1 };
    execution.events.push(detailsKey ? { ...event, [detailsKey]: compact(details ?? {}) } : event);
  }

  private close(
    execution: ExecutionRecord,
    status: Exclude<ExecutionStatus, 'RUNNING'>,
    type: string,
    detailsKey: string,
    timestampMs: number,
    result: { output?: string; error?: string; cause?: string },
  ): void {
    if (execution.status !== 'RUNNING') return;
    const details = status === 'SUCCEEDED' ? { output: result.output, outputDetails: { truncated: false } } : { error: result.error, cause: result.cause };
    this.append(execution, type, detailsKey, details, timestampMs);
    execution.status = status;
    execution.stopMs = Math.max(timestampMs, execution.startMs);
    execution.output = result.output;
    execution.error = result.error;
    execution.cause = result.cause;
  }

  private execution(executionArn: string): ExecutionRecord {
    if (!EXECUTION_ARN.test(executionArn)) throw new AwsServiceError('InvalidArn', `Invalid Arn: '${executionArn}'`);
    const execution = this.executions.get(executionArn);
    if (!execution) throw new AwsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return execution;
  }
}

// -----------------------------------------------------------------------------------------------------------------
// Helpers

function isValidName(name: unknown): name is string {
  return typeof name === 'string' && name.length >= 1 && name.length <= 80 && !INVALID_NAME_CHARACTER.test(name);
}

function isObject(value: unknown): value is AnyObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function json(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value);
}

function seconds(ms: number): number {
  return ms / 1000;
}

/** Drops `undefined` members (AWS omits absent fields rather than sending null). */
function compact<T extends AnyObject>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function validationError(message: string): AwsServiceError {
  return new AwsServiceError('ValidationException', `1 validation error detected: ${message}`);
}

function requiredString(input: AnyObject, key: string): string {
  const value = input[key];
  if (value === undefined || value === null) throw validationError(`Value null at '${key}' failed to satisfy constraint: Member must not be null`);
  if (typeof value !== 'string') throw new AwsServiceError('SerializationException', `Expected a string for '${key}'`);
  return value;
}

function optionalString(input: AnyObject, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AwsServiceError('SerializationException', `Expected a string for '${key}'`);
  return value;
}

/** `maxResults` (default 100, at most 1000) and an opaque `nextToken` bound to the listing it came from. */
function paginate<T>(items: readonly T[], input: AnyObject, listing: string): { items: T[]; nextToken?: string } {
  const maxResults = input.maxResults === undefined || input.maxResults === null || input.maxResults === 0 ? 100 : input.maxResults;
  if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 0 || maxResults > 1000) {
    throw validationError(`Value '${String(input.maxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`);
  }
  let offset = 0;
  const token = optionalString(input, 'nextToken');
  if (token !== undefined) {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    } catch {
      decoded = undefined;
    }
    if (!isObject(decoded) || decoded.listing !== listing || typeof decoded.offset !== 'number') {
      throw new AwsServiceError('InvalidToken', `Invalid Token: '${token}'`);
    }
    offset = decoded.offset;
  }
  const page = items.slice(offset, offset + maxResults);
  const next = offset + page.length;
  return {
    items: page,
    nextToken: next < items.length ? Buffer.from(JSON.stringify({ listing, offset: next })).toString('base64url') : undefined,
  };
}

function withoutExecutionData(event: HistoryEventRecord): HistoryEventRecord {
  const stripped: AnyObject = {};
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventDetails') && isObject(value)) {
      const details = { ...value };
      delete details.input;
      delete details.output;
      stripped[key] = details;
    } else {
      stripped[key] = value;
    }
  }
  return stripped as HistoryEventRecord;
}

/** The invoker itself failed (not the function): how Step Functions names Lambda service and client errors. */
function lambdaServiceError(error: unknown): TaskError {
  if (error instanceof AwsServiceError) {
    return new TaskError(
      `Lambda.${error.type}`,
      `${error.message} (Service: Lambda, Status Code: ${error.httpStatus}, Request ID: ${randomUUID()})`,
    );
  }
  return new TaskError('Lambda.SdkClientException', error instanceof Error ? error.message : String(error));
}

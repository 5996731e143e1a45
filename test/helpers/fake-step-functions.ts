import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';

/**
 * Step Functions for unit tests, through aws-sdk-client-mock: executions by name, each answering DescribeExecution
 * from a script (RUNNING a few times, then how it ended). StartExecution of a name that exists is
 * `ExecutionAlreadyExists`, as in the service; DescribeExecution of an unknown one is `ExecutionDoesNotExist`.
 */
export interface ExecutionEnd {
  readonly status: ExecutionStatus;
  readonly error?: string;
  readonly cause?: string;
  readonly output?: Record<string, unknown>;
  /** The state it failed in, as GetExecutionHistory tells it. */
  readonly failedState?: string;
}

export interface FakeExecution {
  readonly name: string;
  readonly arn: string;
  readonly input?: string;
  /** Answers DescribeExecution gives, in order; the last one stays. */
  readonly answers: ExecutionEnd[];
  describes: number;
}

export type SfnMock = AwsClientStub<SFNClient>;

export const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:111122223333:stateMachine:DeviceRotation';

export function executionArnOf(name: string, stateMachineArn = STATE_MACHINE_ARN): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export class FakeStepFunctions {
  readonly executions = new Map<string, FakeExecution>();
  /** How executions started by StartExecution go, by name; default: succeeds with `{}` at once. */
  readonly plans = new Map<string, ExecutionEnd[]>();
  readonly started: Array<{ name: string; input: Record<string, unknown> }> = [];

  constructor(readonly mock: SfnMock) {}

  reset(): void {
    this.executions.clear();
    this.plans.clear();
    this.started.length = 0;
    this.mock.reset();
    this.mock.on(StartExecutionCommand).callsFake(async (input) => {
      const name = input.name as string;
      if (this.executions.has(name)) throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${executionArnOf(name)}'`, $metadata: {} });
      this.started.push({ name, input: JSON.parse(input.input ?? '{}') as Record<string, unknown> });
      const arn = executionArnOf(name, input.stateMachineArn);
      this.executions.set(name, { name, arn, input: input.input, answers: this.plans.get(name) ?? [{ status: 'SUCCEEDED', output: {} }], describes: 0 });
      return { executionArn: arn, startDate: new Date() };
    });
    this.mock.on(DescribeExecutionCommand).callsFake(async (input) => {
      const execution = this.byArn(input.executionArn);
      const answer = execution.answers[Math.min(execution.describes, execution.answers.length - 1)];
      execution.describes += 1;
      return {
        executionArn: execution.arn,
        name: execution.name,
        status: answer.status,
        error: answer.error,
        cause: answer.cause,
        output: answer.output === undefined ? undefined : JSON.stringify(answer.output),
        input: execution.input,
      };
    });
    this.mock.on(GetExecutionHistoryCommand).callsFake(async (input) => {
      const execution = this.byArn(input.executionArn);
      const last = execution.answers[execution.answers.length - 1];
      return {
        events:
          last.failedState === undefined
            ? []
            : [
                { id: 3, type: 'ExecutionFailed', timestamp: new Date() },
                { id: 2, type: 'TaskStateEntered', timestamp: new Date(), stateEnteredEventDetails: { name: last.failedState } },
              ],
      };
    });
  }

  /** An execution that exists already (started by an earlier attempt of the step, or by someone else). */
  exists(name: string, answers: ExecutionEnd[]): string {
    const arn = executionArnOf(name);
    this.executions.set(name, { name, arn, answers, describes: 0 });
    return arn;
  }

  /** How the execution of this name goes once started. */
  plan(name: string, answers: ExecutionEnd[]): void {
    this.plans.set(name, answers);
  }

  private byArn(arn: string | undefined): FakeExecution {
    const execution = [...this.executions.values()].find((e) => e.arn === arn);
    if (execution === undefined) throw new ExecutionDoesNotExist({ message: `Execution Does Not Exist: '${arn}'`, $metadata: {} });
    return execution;
  }
}

/** A Lambda failure's cause as the runtime writes it. */
export function lambdaCause(errorType: string, errorMessage: string): string {
  return JSON.stringify({ errorType, errorMessage, trace: [] });
}

/** Mocks every SFNClient for this test file. Call at the top level; `reset()` in `beforeEach`. */
export function fakeStepFunctions(): FakeStepFunctions {
  return new FakeStepFunctions(mockClient(SFNClient));
}

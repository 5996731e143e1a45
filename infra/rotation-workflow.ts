import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { vendorModules } from '../lambda/vendors';
import type { DeviceWork, VendorModule } from '../lambda/vendors/vendor-module';
import { TaskFactory } from './workflow/tasks';
import { ConversationBranch, SessionChangeBranch, type VendorBranch, type VendorBranchProps } from './workflow/vendor-branch';

export interface RotationWorkflowProps {
  /** The Secrets Manager rotation function: also describes the device and prepares and finishes console `rotate`s. */
  readonly rotationFunction: IFunction;
  /** One device function per vendor, by vendor id. */
  readonly deviceFunctions: Readonly<Record<string, IFunction>>;
  /**
   * Which actions this state machine runs: the operators' console (`rotate`, `verify`, `abandon`, and `heartbeat`,
   * which the heartbeat dispatcher starts) or the rotation function's own
   * (`set`, `test`, and `verify` for `RotateSecret` without a pending value). Each is its own state machine, so that
   * IAM decides who may start which.
   */
  readonly surface: WorkflowSurface;
  /** Timeout of the device functions: every device task's `TimeoutSeconds` is longer, so no task outlives its state. */
  readonly deviceFunctionTimeout: Duration;
  /** Timeout of the rotation function, likewise. */
  readonly rotationFunctionTimeout: Duration;
  /**
   * Timeout of each question-answer state of a conversation. A conversation whose step times out is restarted from
   * login (after checking which password works). It may not be shorter than a device task's timeout.
   *
   * @default - the device function timeout plus `TASK_TIMEOUT_MARGIN`
   */
  readonly conversationStepTimeout?: Duration;
  /**
   * How many times a change or conversation is restarted after an uncertain outcome before giving up.
   *
   * @default 3
   */
  readonly maxRestarts?: number;
  /**
   * Transport failures (device unreachable, request never sent) are retried this often, with backoff.
   *
   * @default 3
   */
  readonly transportRetries?: number;
  /**
   * The vendors with a branch.
   *
   * @default - every vendor (`vendorModules()`)
   */
  readonly vendors?: readonly VendorModule[];
}

export type WorkflowSurface = 'console' | 'rotation';

/** The actions each state machine accepts in its input. */
export const SURFACE_ACTIONS: Readonly<Record<WorkflowSurface, readonly string[]>> = {
  console: ['rotate', 'verify', 'abandon', 'heartbeat'],
  rotation: ['set', 'test', 'verify'],
};

/** How much longer a task state waits than its Lambda function may run: the function's own timeout always comes first. */
export const TASK_TIMEOUT_MARGIN = Duration.seconds(5);

/** The branch each way of doing device work takes (`VendorModule.work`). */
const BRANCHES: Readonly<Record<DeviceWork, new (props: VendorBranchProps) => VendorBranch>> = {
  'session-change': SessionChangeBranch,
  conversation: ConversationBranch,
};

const p = sfn.JsonPath;

/**
 * The rotation workflow (JSONPath only: the local runner ignores JSONata). Every execution first reads which device the
 * secret names (and, if it may change it, takes the account's lease), then takes that vendor's branch:
 * - `set`: find which stored version logs in, with the login the change uses (pending → the change already happened;
 *   current/previous → change from it, in that same session). An uncertain outcome (answer lost, session died) goes
 *   back to "find out" first. The pending version is verified by the `test` execution that follows (testSecret).
 * - `test`: verify the pending version. `verify`: verify AWSCURRENT. Neither changes anything.
 * - `rotate`: prepare (resume the pending rotation, or start one), then as `set`, then verify the pending version,
 *   then finish (AWSCURRENT moves).
 * - `heartbeat`: verify AWSCURRENT within the budget, keep the result in the ledger (drift fails the execution).
 * - `abandon`: a pending rotation (else nothing to abandon) under the account's lease; find which of AWSCURRENT and the
 *   pending version the device is on; finish the rotation or remove AWSPENDING accordingly. Nothing changes the device.
 * State input and output carry references only: the secret ARN, the token, the vendor, which version works; a
 * conversation's session and `aasID` travel sealed.
 */
export function buildRotationWorkflow(scope: Construct, props: RotationWorkflowProps): sfn.IChainable {
  const deviceTaskTimeout = props.deviceFunctionTimeout.plus(TASK_TIMEOUT_MARGIN);
  const stepTimeout = props.conversationStepTimeout ?? deviceTaskTimeout;
  if (stepTimeout.toSeconds() < deviceTaskTimeout.toSeconds()) {
    throw new Error(
      `conversationStepTimeout (${stepTimeout.toHumanString()}) must be at least the device function timeout plus ` +
        `${TASK_TIMEOUT_MARGIN.toHumanString()} (${deviceTaskTimeout.toHumanString()}): a step that timed out must not be able to act after its restart`,
    );
  }
  const tasks = new TaskFactory(scope, {
    timeoutOf: (fn) => (fn === props.rotationFunction ? props.rotationFunctionTimeout.plus(TASK_TIMEOUT_MARGIN) : deviceTaskTimeout),
    transportRetries: props.transportRetries ?? 3,
  });
  const afterDevice = afterDeviceWork(tasks, props);
  const vendorChoice = new sfn.Choice(scope, 'Which vendor?');
  const vendors = props.vendors ?? vendorModules();
  for (const vendor of vendors) {
    const branch = new BRANCHES[vendor.work]({
      vendor,
      fn: props.deviceFunctions[vendor.id],
      tasks,
      afterDevice,
      maxRestarts: props.maxRestarts ?? 3,
      stepTimeout,
      operatorActions: props.surface === 'console',
    });
    vendorChoice.when(sfn.Condition.stringEquals('$.device.vendor', vendor.id), branch);
  }
  vendorChoice.otherwise(
    new sfn.Fail(scope, 'Unknown vendor', {
      error: 'UnknownVendor',
      cause: `The device secret names a vendor this workflow has no branch for (${vendors.map((v) => v.id).join(', ')})`,
    }),
  );
  return checkInput(scope, props.surface, readDevice(tasks, props, vendorChoice));
}

/**
 * After the device work: a console `rotate` finishes (AWSCURRENT moves); the execution that changed the device gives
 * the account's lease back (a failed one's lease is taken over once it has ended); then the summary, a Pass that ends
 * the execution (a Succeed after it would be one more billed transition).
 */
function afterDeviceWork(tasks: TaskFactory, props: RotationWorkflowProps): sfn.IChainable {
  const scope = tasks.scope;
  const summary = new sfn.Pass(scope, 'Summary', { parameters: { 'action.$': '$.action', 'secretArn.$': '$.secretArn', 'device.$': '$.device' } });
  const release = tasks.invoke('Release device', props.rotationFunction, 'release', {}, { resultPath: p.DISCARD }).next(summary);
  const afterDevice = new sfn.Choice(scope, 'After device work');
  if (props.surface === 'console') {
    const finish = tasks.invoke('Finish rotation', props.rotationFunction, 'finish', { withToken: true }, { resultPath: p.DISCARD });
    afterDevice.when(sfn.Condition.stringEquals('$.action', 'rotate'), finish.next(release));
    afterDevice.when(sfn.Condition.stringEquals('$.action', 'abandon'), settleAbandon(tasks, props));
    afterDevice.when(
      sfn.Condition.stringEquals('$.action', 'heartbeat'),
      new sfn.Pass(scope, 'Heartbeat summary', { parameters: { 'action.$': '$.action', 'secretArn.$': '$.secretArn', 'device.$': '$.device', 'heartbeat.$': '$.heartbeat' } }),
    );
  } else {
    afterDevice.when(sfn.Condition.stringEquals('$.action', 'set'), release);
  }
  return afterDevice.otherwise(summary);
}

/** `abandon`, once the device was seen on one version: the labels follow it (the task gives the lease back too). */
function settleAbandon(tasks: TaskFactory, props: RotationWorkflowProps): sfn.IChainable {
  const settle = tasks.invoke('Abandon: settle versions', props.rotationFunction, 'abandon-settle', { withToken: true, 'onDevice.$': '$.onDevice.onDevice' }, { resultPath: '$.abandoned' });
  return settle.next(
    new sfn.Pass(tasks.scope, 'Abandon summary', {
      parameters: { 'action.$': '$.action', 'secretArn.$': '$.secretArn', 'outcome.$': '$.abandoned.outcome', 'versions.$': '$.abandoned' },
    }),
  );
}

/**
 * `abandon`, first: is a rotation pending (taking the account's lease if so)? No: nothing to abandon, the execution
 * ends. Yes: the pending version's token joins the state, and the vendor's branch finds which version the device is on.
 */
function startAbandon(tasks: TaskFactory, props: RotationWorkflowProps, vendorChoice: sfn.Choice): sfn.IChainable {
  const scope = tasks.scope;
  const start = tasks.invoke('Abandon: find pending rotation', props.rotationFunction, 'abandon-start', { 'secretArn.$': '$.device.secretArn' }, { resultPath: '$.abandon' });
  const useToken = new sfn.Pass(scope, 'Use pending token', {
    parameters: { 'action.$': '$.action', 'secretArn.$': '$.device.secretArn', 'token.$': '$.abandon.token', 'device.$': '$.device', 'restarts.$': '$.restarts' },
  });
  const nothing = new sfn.Pass(scope, 'Nothing to abandon', {
    parameters: { 'action.$': '$.action', 'secretArn.$': '$.device.secretArn', 'outcome.$': '$.abandon.outcome' },
  });
  return start.next(
    new sfn.Choice(scope, 'Anything to abandon?').when(sfn.Condition.booleanEquals('$.abandon.abandon', true), useToken.next(vendorChoice)).otherwise(nothing),
  );
}

/**
 * The first task: reads the secret (resolving a name or partial ARN to the full ARN), and for an execution that may
 * change the device, takes the account's lease in the device ledger. A console `rotate` then prepares its token.
 */
function readDevice(tasks: TaskFactory, props: RotationWorkflowProps, vendorChoice: sfn.Choice): sfn.IChainable {
  const scope = tasks.scope;
  const describe = tasks.invoke('Read device secret', props.rotationFunction, 'describe', { 'action.$': '$.action' }, {
    resultPath: '$.device',
    resultSelector: { 'vendor.$': '$.vendor', 'host.$': '$.host', 'port.$': '$.port', 'secretArn.$': '$.secretArn', 'conversation.$': '$.conversation' },
  });
  const useArn = new sfn.Pass(scope, 'Use secret ARN', { inputPath: '$.device.secretArn', resultPath: '$.secretArn' });
  if (props.surface !== 'console') return describe.next(useArn.next(vendorChoice));
  const prepare = tasks.invoke('Prepare rotation', props.rotationFunction, 'prepare', { 'secretArn.$': '$.device.secretArn' }, { resultPath: '$.prepared' });
  const useToken = new sfn.Pass(scope, 'Use rotation token', {
    parameters: {
      'action.$': '$.action',
      'secretArn.$': '$.device.secretArn',
      'token.$': '$.prepared.token',
      'resumed.$': '$.prepared.resumed',
      'device.$': '$.device',
      'restarts.$': '$.restarts',
    },
  });
  return describe.next(
    new sfn.Choice(scope, 'Rotate now?')
      .when(sfn.Condition.stringEquals('$.action', 'rotate'), prepare.next(useToken).next(vendorChoice))
      .when(sfn.Condition.stringEquals('$.action', 'abandon'), startAbandon(tasks, props, vendorChoice))
      .otherwise(useArn.next(vendorChoice)),
  );
}

/** Only the surface's actions, with a secret (and a token for `set` and `test`), get past the first state. */
function checkInput(scope: Construct, surface: WorkflowSurface, then: sfn.IChainable): sfn.IChainable {
  const actions = SURFACE_ACTIONS[surface];
  const invalid = new sfn.Fail(scope, 'Invalid input', {
    error: 'InvalidExecutionInput',
    cause:
      surface === 'console'
        ? 'The execution input must be {"action": "rotate" | "verify" | "abandon" | "heartbeat", "secretArn": "<secret ARN, partial ARN or name>"}.'
        : 'This state machine runs the rotation function\'s own actions ("set", "test" with a "token", or "verify"); operators use the console state machine ("rotate", "verify").',
  });
  const isAction = (action: string) => sfn.Condition.stringEquals('$.action', action);
  const secretGiven = sfn.Condition.and(sfn.Condition.isPresent('$.secretArn'), sfn.Condition.isString('$.secretArn'));
  const tokenGiven = sfn.Condition.and(sfn.Condition.isPresent('$.token'), sfn.Condition.isString('$.token'));
  const withToken = actions.filter((action) => ['set', 'test'].includes(action));
  const withoutToken = actions.filter((action) => !withToken.includes(action));
  const validInput = sfn.Condition.or(
    sfn.Condition.and(secretGiven, sfn.Condition.or(...withoutToken.map(isAction))),
    ...(withToken.length > 0 ? [sfn.Condition.and(secretGiven, tokenGiven, sfn.Condition.or(...withToken.map(isAction)))] : []),
  );
  const start = new sfn.Pass(scope, 'Start', { result: sfn.Result.fromObject({ count: 0 }), resultPath: '$.restarts' });
  return new sfn.Choice(scope, 'Check input')
    .when(sfn.Condition.and(sfn.Condition.isPresent('$.action'), sfn.Condition.isString('$.action'), validInput), start.next(then))
    .otherwise(invalid);
}

import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { VENDORS, type Vendor } from '../lambda/device/types';

export interface RotationWorkflowProps {
  /** The Secrets Manager rotation function: also describes the device and prepares and finishes console `rotate`s. */
  readonly rotationFunction: IFunction;
  /** One device function per vendor. */
  readonly deviceFunctions: Readonly<Record<Vendor, IFunction>>;
  /**
   * Timeout of each mPower question-answer state. A conversation whose step times out is restarted from login
   * (after checking which password works). Default: 30 seconds.
   */
  readonly conversationStepTimeout?: Duration;
  /** How many times a change or conversation is restarted after an uncertain outcome before giving up. Default: 3. */
  readonly maxRestarts?: number;
  /** Transport failures (device unreachable, request never sent) are retried this often, with backoff. Default: 3. */
  readonly transportRetries?: number;
  /**
   * Which actions this state machine runs: the operators' console (`rotate`, `verify`) or the rotation function's own
   * (`set`, `test`, and `verify` for `RotateSecret` without a pending value). Each is its own state machine, so that
   * IAM decides who may start which.
   */
  readonly surface: WorkflowSurface;
  /** Timeout of the device functions: every device task's `TimeoutSeconds` is longer, so no task outlives its state. */
  readonly deviceFunctionTimeout: Duration;
  /** Timeout of the rotation function, likewise. */
  readonly rotationFunctionTimeout: Duration;
}

export type WorkflowSurface = 'console' | 'rotation';

/** The actions each state machine accepts in its input. */
export const SURFACE_ACTIONS: Readonly<Record<WorkflowSurface, readonly string[]>> = {
  console: ['rotate', 'verify'],
  rotation: ['set', 'test', 'verify'],
};

/** How much longer a task state waits than its Lambda function may run: the function's own timeout always comes first. */
export const TASK_TIMEOUT_MARGIN = Duration.seconds(5);

/** Error names the workflow routes on (the `name` of the errors in lambda/device/errors.ts and lambda/rotation/errors.ts). */
const TRANSPORT = ['DeviceUnreachableError'];
const UNCERTAIN = ['ChangeOutcomeUnknownError', 'SessionExpiredError'];
/** Every task payload carries the execution: the ledger charges logins and leases accounts to it. */
const EXECUTION = { 'execution.$': '$$.Execution.Id' };
/** Thrown by the probe when no stored version logs in but the secret names a privileged account that can reset it. */
const OUT_OF_SYNC_RECOVERABLE = ['DeviceOutOfSyncRecoverableError'];

/**
 * Vendors whose device client can reset another user's password (`DeviceClient.resetPassword`): their branch has the
 * out-of-sync recovery ("Reset with privileged account"). A test checks this list against the clients.
 */
export const PRIVILEGED_RESET_VENDORS: readonly Vendor[] = ['oracle-sdwan-edge'];

const VENDOR_LABELS: Record<Vendor, string> = {
  'multitech-mpower': 'mPower',
  'wso2-emm': 'WSO2 EMM',
  'oracle-sdwan-edge': 'SD-WAN Edge',
  'oracle-unified-assurance': 'Unified Assurance',
};

const p = sfn.JsonPath;

/**
 * The rotation workflow (JSONPath only: the local runner ignores JSONata). Every execution first reads which device the
 * secret names, then takes that vendor's branch:
 * - `set`: find which stored version logs in, with the login the change uses (pending → the change already happened;
 *   current/previous → change from it, in that same session). An uncertain outcome (answer lost, session died) goes
 *   back to "find out" first. The pending version is verified by the `test` execution that follows (testSecret).
 * - `test`: verify the pending version. `verify`: verify AWSCURRENT. Neither changes anything.
 * - `rotate`: prepare (resume the pending rotation, or start one), then as `set`, then verify the pending version,
 *   then finish (AWSCURRENT moves).
 * State input and output carry references only: the secret ARN, the token, the vendor, which version works; mPower's
 * session and `aasID` travel sealed.
 */
export function buildRotationWorkflow(scope: Construct, props: RotationWorkflowProps): sfn.IChainable {
  const deviceTaskTimeout = props.deviceFunctionTimeout.plus(TASK_TIMEOUT_MARGIN);
  const settings = {
    stepTimeout: props.conversationStepTimeout ?? deviceTaskTimeout,
    maxRestarts: props.maxRestarts ?? 3,
    transportRetries: props.transportRetries ?? 3,
  };
  if (settings.stepTimeout.toSeconds() < deviceTaskTimeout.toSeconds()) {
    throw new Error(
      `conversationStepTimeout (${settings.stepTimeout.toHumanString()}) must be at least the device function timeout plus ` +
        `${TASK_TIMEOUT_MARGIN.toHumanString()} (${deviceTaskTimeout.toHumanString()}): a step that timed out must not be able to act after its restart`,
    );
  }
  const timeoutOf = (fn: IFunction) => (fn === props.rotationFunction ? props.rotationFunctionTimeout.plus(TASK_TIMEOUT_MARGIN) : deviceTaskTimeout);
  const invoke = (id: string, fn: IFunction, payload: Record<string, unknown>, extra: Partial<tasks.LambdaInvokeProps> = {}) => {
    const task = new tasks.LambdaInvoke(scope, id, {
      lambdaFunction: fn,
      payload: sfn.TaskInput.fromObject({ ...payload, ...EXECUTION }),
      payloadResponseOnly: true,
      taskTimeout: sfn.Timeout.duration(timeoutOf(fn)),
      ...extra,
    });
    return task;
  };
  const retryTransport = (task: tasks.LambdaInvoke) =>
    task.addRetry({ errors: TRANSPORT, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: settings.transportRetries });

  // The last state: a Pass that ends the execution (a Succeed after it would be one more billed transition).
  const summary = new sfn.Pass(scope, 'Summary', {
    parameters: { 'action.$': '$.action', 'secretArn.$': '$.secretArn', 'device.$': '$.device' },
  });
  // The execution that changed the device gives the account's lease back (a failed one's lease is taken over once it has ended).
  const release = invoke('Release device', props.rotationFunction, { operation: 'release', 'secretArn.$': '$.secretArn' }, { resultPath: p.DISCARD });
  release.next(summary);
  const finish = invoke('Finish rotation', props.rotationFunction, { operation: 'finish', 'secretArn.$': '$.secretArn', 'token.$': '$.token' }, { resultPath: p.DISCARD });
  const afterDevice = new sfn.Choice(scope, 'After device work');
  if (props.surface === 'console') afterDevice.when(sfn.Condition.stringEquals('$.action', 'rotate'), finish.next(release));
  else afterDevice.when(sfn.Condition.stringEquals('$.action', 'set'), release);
  afterDevice.otherwise(summary);

  const vendorChoice = new sfn.Choice(scope, 'Which vendor?');
  for (const vendor of VENDORS) {
    const fn = props.deviceFunctions[vendor];
    const label = VENDOR_LABELS[vendor];
    const branch = vendor === 'multitech-mpower' ? mpowerBranch(vendor, label, fn) : deviceBranch(vendor, label, fn);
    vendorChoice.when(sfn.Condition.stringEquals('$.device.vendor', vendor), branch);
  }
  vendorChoice.otherwise(new sfn.Fail(scope, 'Unknown vendor', { error: 'UnknownVendor', cause: `The device secret names a vendor this workflow has no branch for (${VENDORS.join(', ')})` }));

  /** Verify a version (pending or current) and continue after the device work. */
  function verify(label: string, fn: IFunction, stage: 'pending' | 'current') {
    const task = invoke(
      `${label}: Verify ${stage === 'pending' ? 'new password' : 'current password'}`,
      fn,
      { operation: 'verify', stage, 'secretArn.$': '$.secretArn', ...(stage === 'pending' ? { 'token.$': '$.token' } : {}) },
      { resultPath: '$.verified' },
    );
    retryTransport(task);
    return task.next(afterDevice);
  }

  /** Counts a restart; past the bound, fails with what to do. */
  function restart(label: string, what: string, then: sfn.IChainable) {
    const count = new sfn.Pass(scope, `${label}: Count restart`, {
      parameters: { count: p.mathAdd(p.numberAt('$.restarts.count'), 1) },
      resultPath: '$.restarts',
    });
    const tooMany = new sfn.Fail(scope, `${label}: Too many restarts`, {
      error: 'TooManyRestarts',
      cause: `The ${what} was interrupted ${settings.maxRestarts} times (answers lost or sessions expired); the device stays on the password that logs in. Check the device's reachability and session timeouts, then rotate again.`,
    });
    return count.next(new sfn.Choice(scope, `${label}: Restart again?`).when(sfn.Condition.numberGreaterThan('$.restarts.count', settings.maxRestarts), tooMany).otherwise(then));
  }

  /**
   * Out-of-sync recovery, where the vendor can reset another user's password: no stored version logs in and the secret
   * names a privileged account, so that account sets the password to the pending one; then as after a change.
   * An uncertain outcome goes back to the change (whose login then finds the pending one).
   */
  function privilegedReset(vendor: Vendor, label: string, fn: IFunction, find: tasks.LambdaInvoke, then: sfn.IChainable, again: sfn.IChainable) {
    if (!PRIVILEGED_RESET_VENDORS.includes(vendor)) return;
    const reset = invoke(`${label}: Reset with privileged account`, fn, { operation: 'reset', 'secretArn.$': '$.secretArn', 'token.$': '$.token' }, { resultPath: p.DISCARD });
    retryTransport(reset);
    reset.addCatch(again, { errors: UNCERTAIN, resultPath: '$.interrupted' });
    find.addCatch(reset, { errors: OUT_OF_SYNC_RECOVERABLE, resultPath: '$.outOfSync' });
    reset.next(then);
  }

  /**
   * After the change: `set` ends here, because Secrets Manager's next step (testSecret, the `test` action) verifies
   * the pending version, and verifying twice would log in twice; `rotate` verifies now.
   */
  function verifyUnlessSet(label: string, verifyPending: sfn.IChainable) {
    return new sfn.Choice(scope, `${label}: Verify now?`).when(sfn.Condition.stringEquals('$.action', 'set'), afterDevice).otherwise(verifyPending);
  }

  /** `verify` and `test` only log in; `set` and `rotate` change (finding out first which password works). */
  function mode(label: string, fn: IFunction, verifyPending: sfn.IChainable, change: sfn.IChainable) {
    return new sfn.Choice(scope, `${label}: Action`)
      .when(sfn.Condition.stringEquals('$.action', 'verify'), verify(label, fn, 'current'))
      .when(sfn.Condition.stringEquals('$.action', 'test'), verifyPending)
      .otherwise(change);
  }

  /** One task finds which stored version logs in and changes from it, in the same login (`DeviceTasks.change`). */
  function deviceBranch(vendor: Vendor, label: string, fn: IFunction): sfn.IChainable {
    const verifyPending = verify(label, fn, 'pending');
    const afterChange = verifyUnlessSet(label, verifyPending);
    const change = invoke(`${label}: Log in and change password`, fn, { operation: 'change', 'secretArn.$': '$.secretArn', 'token.$': '$.token' }, { resultPath: '$.change', resultSelector: { 'located.$': '$.located', 'changed.$': '$.changed' } });
    retryTransport(change);
    const again = restart(label, 'password change', change);
    change.addCatch(again, { errors: UNCERTAIN, resultPath: '$.interrupted' });
    privilegedReset(vendor, label, fn, change, afterChange, again);
    change.next(afterChange);
    return mode(label, fn, verifyPending, change);
  }

  function mpowerBranch(vendor: Vendor, label: string, fn: IFunction): sfn.IChainable {
    const verifyPending = verify(label, fn, 'pending');
    const afterChange = verifyUnlessSet(label, verifyPending);
    const execution = { 'secretArn.$': '$.secretArn', 'token.$': '$.token' };
    // Finds which stored version logs in (as DeviceTasks.locate); that login's session, sealed, opens the conversation.
    const login = invoke(`${label}: Log in`, fn, { operation: 'mpower-login', ...execution }, { resultPath: '$.login' });
    const again = restart(label, 'password conversation', login);
    privilegedReset(vendor, label, fn, login, afterChange, again);
    const conversationInput = { ...execution, 'from.$': '$.login.located' };
    const open = invoke(`${label}: Open password conversation`, fn, { operation: 'mpower-open', ...conversationInput, 'session.$': '$.login.session' }, { resultPath: '$.conversation' });
    const nextPrompt = new sfn.Choice(scope, `${label}: Next prompt`);
    const answer = (kind: string, title: string) => {
      const task = invoke(
        `${label}: ${title}`,
        fn,
        {
          operation: 'mpower-answer',
          ...conversationInput,
          'session.$': '$.conversation.session',
          'conversation.$': '$.conversation.conversation',
          prompt: kind,
          'answers.$': '$.conversation.answers',
        },
        { resultPath: '$.conversation', taskTimeout: sfn.Timeout.duration(settings.stepTimeout) },
      );
      retryTransport(task);
      task.addCatch(again, { errors: [...UNCERTAIN, 'States.Timeout'], resultPath: '$.interrupted' });
      nextPrompt.when(sfn.Condition.stringEquals('$.conversation.prompt', kind), task);
      return task.next(nextPrompt);
    };
    for (const task of [login, open]) {
      retryTransport(task);
      task.addCatch(again, { errors: [...UNCERTAIN, 'States.Timeout'], resultPath: '$.interrupted' });
    }
    answer('acknowledge', 'Acknowledge');
    answer('current-password', 'Answer current password');
    answer('new-password', 'Answer new password');
    answer('retype-password', 'Retype new password');
    nextPrompt
      .when(sfn.Condition.stringEquals('$.conversation.prompt', 'done'), afterChange)
      .otherwise(new sfn.Fail(scope, `${label}: Unexpected prompt`, { error: 'UnexpectedPrompt', cause: 'The device asked something the workflow has no state for.' }));
    login.next(new sfn.Choice(scope, `${label}: Already changed?`).when(sfn.Condition.stringEquals('$.login.located', 'pending'), afterChange).otherwise(open.next(nextPrompt)));
    return mode(label, fn, verifyPending, login);
  }

  // Also the concurrency guard: of two executions that would change the same device, only the earlier proceeds.
  const describe = invoke('Read device secret', props.rotationFunction, {
    operation: 'describe',
    'secretArn.$': '$.secretArn',
    'action.$': '$.action',
  }, {
    resultPath: '$.device',
    resultSelector: { 'vendor.$': '$.vendor', 'host.$': '$.host', 'port.$': '$.port', 'secretArn.$': '$.secretArn' },
  });
  const prepare = invoke('Prepare rotation', props.rotationFunction, { operation: 'prepare', 'secretArn.$': '$.device.secretArn' }, { resultPath: '$.prepared' });
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
  const useArn = new sfn.Pass(scope, 'Use secret ARN', { inputPath: '$.device.secretArn', resultPath: '$.secretArn' });
  const route =
    props.surface === 'console'
      ? new sfn.Choice(scope, 'Rotate now?').when(sfn.Condition.stringEquals('$.action', 'rotate'), prepare.next(useToken).next(vendorChoice)).otherwise(useArn.next(vendorChoice))
      : useArn.next(vendorChoice);

  const start = new sfn.Pass(scope, 'Start', { result: sfn.Result.fromObject({ count: 0 }), resultPath: '$.restarts' });
  const actions = SURFACE_ACTIONS[props.surface];
  const invalid = new sfn.Fail(scope, 'Invalid input', {
    error: 'InvalidExecutionInput',
    cause:
      props.surface === 'console'
        ? 'The execution input must be {"action": "rotate" | "verify", "secretArn": "<secret ARN, partial ARN or name>"}.'
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
  return new sfn.Choice(scope, 'Check input')
    .when(sfn.Condition.and(sfn.Condition.isPresent('$.action'), sfn.Condition.isString('$.action'), validInput), start.next(describe).next(route))
    .otherwise(invalid);
}

import type { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { VendorModule } from '../../lambda/vendors/vendor-module';
import { OUT_OF_SYNC_RECOVERABLE_ERRORS, type TaskFactory, UNCERTAIN_ERRORS } from './tasks';

const p = sfn.JsonPath;

export interface VendorBranchProps {
  readonly vendor: VendorModule;
  readonly fn: IFunction;
  readonly tasks: TaskFactory;
  /** Where every path goes after the device work (finish and release, or the summary). */
  readonly afterDevice: sfn.IChainable;
  readonly maxRestarts: number;
  /** `TimeoutSeconds` of each question-answer state (conversation vendors). */
  readonly stepTimeout: Duration;
  /** The console's operator actions (`heartbeat`, `abandon`) get their device tasks. */
  readonly operatorActions?: boolean;
}

/**
 * What every vendor's branch shares: `verify` and `test` only log in; `set` and `rotate` change (finding out first
 * which password works, `changeTask`); an uncertain outcome restarts the change, at most `maxRestarts` times; the
 * out-of-sync recovery, where the vendor can reset another user's password. Subclasses build the change itself.
 */
export abstract class VendorBranch extends sfn.StateMachineFragment {
  readonly startState: sfn.State;
  readonly endStates: sfn.INextable[] = [];
  protected readonly label: string;
  /** After the change: `set` ends (testSecret verifies next), `rotate` verifies now. */
  protected readonly afterChange: sfn.Choice;

  constructor(protected readonly props: VendorBranchProps) {
    // The states live in the workflow's scope, beside every other branch's: their names are the state names.
    super(props.tasks.scope, `${props.vendor.shortLabel} branch`);
    this.label = props.vendor.shortLabel;
    const verifyPending = this.verify('pending');
    this.afterChange = new sfn.Choice(props.tasks.scope, `${this.label}: Verify now?`)
      .when(sfn.Condition.stringEquals('$.action', 'set'), props.afterDevice)
      .otherwise(verifyPending);
    const action = new sfn.Choice(props.tasks.scope, `${this.label}: Action`)
      .when(sfn.Condition.stringEquals('$.action', 'verify'), this.verify('current'))
      .when(sfn.Condition.stringEquals('$.action', 'test'), verifyPending);
    if (props.operatorActions === true) {
      action.when(sfn.Condition.stringEquals('$.action', 'heartbeat'), this.loginOnly('Heartbeat', 'heartbeat', {}, '$.heartbeat'));
      action.when(sfn.Condition.stringEquals('$.action', 'abandon'), this.loginOnly('Find version on device', 'abandon-locate', { withToken: true }, '$.onDevice'));
    }
    this.startState = action.otherwise(this.buildChange());
  }

  /** A device task that only logs in (changes nothing on the device), retried on transport failures, then after the device work. */
  private loginOnly(title: string, operation: string, fields: { withToken?: boolean }, resultPath: string): sfn.IChainable {
    const task = this.props.tasks.invoke(`${this.label}: ${title}`, this.props.fn, operation, fields, { resultPath });
    return this.props.tasks.retryTransport(task).next(this.props.afterDevice);
  }

  /** The change path: its first state. Subclasses call `restartFrom` and `recoverOutOfSync`. */
  protected abstract buildChange(): sfn.IChainable;

  /** Logs in with one version (pending or current), then goes on after the device work. */
  private verify(stage: 'pending' | 'current'): sfn.IChainable {
    const task = this.props.tasks.invoke(
      `${this.label}: Verify ${stage === 'pending' ? 'new password' : 'current password'}`,
      this.props.fn,
      'verify',
      { stage, withToken: stage === 'pending' },
      { resultPath: '$.verified' },
    );
    return this.props.tasks.retryTransport(task).next(this.props.afterDevice);
  }

  /**
   * Counts a restart and goes back to `from`; past the bound, fails with what to do. With `perDevice`, a device secret's
   * `conversation.maxRestarts` (in `$.device.conversation`, from "Read device secret") replaces the workflow's bound.
   */
  protected restartFrom(from: sfn.IChainable, what: string, perDevice = false): sfn.IChainable {
    const scope = this.props.tasks.scope;
    const count = new sfn.Pass(scope, `${this.label}: Count restart`, {
      parameters: { count: p.mathAdd(p.numberAt('$.restarts.count'), 1) },
      resultPath: '$.restarts',
    });
    const tooMany = new sfn.Fail(scope, `${this.label}: Too many restarts`, {
      error: 'TooManyRestarts',
      cause: `The ${what} was interrupted more often than allowed (${this.props.maxRestarts} restarts${perDevice ? ", or the device secret's conversation.maxRestarts" : ''}: answers lost or sessions expired); the device stays on the password that logs in. Check the device's reachability and session timeouts, then rotate again.`,
    });
    const again = new sfn.Choice(scope, `${this.label}: Restart again?`);
    if (perDevice) {
      const own = '$.device.conversation.maxRestarts';
      again
        .when(sfn.Condition.and(sfn.Condition.isPresent(own), sfn.Condition.numberGreaterThanJsonPath('$.restarts.count', own)), tooMany)
        .when(sfn.Condition.and(sfn.Condition.isNotPresent(own), sfn.Condition.numberGreaterThan('$.restarts.count', this.props.maxRestarts)), tooMany);
    } else {
      again.when(sfn.Condition.numberGreaterThan('$.restarts.count', this.props.maxRestarts), tooMany);
    }
    return count.next(again.otherwise(from));
  }

  /**
   * Out-of-sync recovery, where the vendor can reset another user's password: no stored version logs in and the
   * secret names a privileged account, so that account sets the password to the pending one; then as after a change.
   * An uncertain outcome goes back to the change (whose login then finds the pending one).
   */
  protected recoverOutOfSync(find: tasks.LambdaInvoke, again: sfn.IChainable): void {
    if (!this.props.vendor.canResetOthers) return;
    const reset = this.props.tasks.invoke(`${this.label}: Reset with privileged account`, this.props.fn, 'reset', { withToken: true }, { resultPath: p.DISCARD });
    this.props.tasks.retryTransport(reset);
    reset.addCatch(again, { errors: UNCERTAIN_ERRORS, resultPath: '$.interrupted' });
    find.addCatch(reset, { errors: OUT_OF_SYNC_RECOVERABLE_ERRORS, resultPath: '$.outOfSync' });
    reset.next(this.afterChange);
  }
}

/** One task finds which stored version logs in and changes from it, in the same login (`DeviceTasks.change`). */
export class SessionChangeBranch extends VendorBranch {
  protected buildChange(): sfn.IChainable {
    const change = this.props.tasks.invoke(`${this.label}: Log in and change password`, this.props.fn, 'change', { withToken: true }, {
      resultPath: '$.change',
      resultSelector: { 'located.$': '$.located', 'changed.$': '$.changed' },
    });
    this.props.tasks.retryTransport(change);
    const again = this.restartFrom(change, 'password change');
    change.addCatch(again, { errors: UNCERTAIN_ERRORS, resultPath: '$.interrupted' });
    this.recoverOutOfSync(change, again);
    change.next(this.afterChange);
    return change;
  }
}

/** The questions of a password conversation, each its own state: prompt kind and state title. */
const CONVERSATION_STEPS: ReadonlyArray<[kind: string, title: string]> = [
  ['acknowledge', 'Acknowledge'],
  ['current-password', 'Answer current password'],
  ['new-password', 'Answer new password'],
  ['retype-password', 'Retype new password'],
];

/**
 * A password conversation, one state per question (a PAM conversation through an API): the login finds which stored
 * version logs in (as `DeviceTasks.locate`), and that login's session, sealed, opens the conversation.
 */
export class ConversationBranch extends VendorBranch {
  protected buildChange(): sfn.IChainable {
    const { tasks, fn } = this.props;
    const scope = tasks.scope;
    const operation = (step: 'login' | 'open' | 'answer') => `conversation-${step}`;
    const login = tasks.invoke(`${this.label}: Log in`, fn, operation('login'), { withToken: true }, { resultPath: '$.login' });
    const again = this.restartFrom(login, 'password conversation', true);
    this.recoverOutOfSync(login, again);
    const conversation = { withToken: true, 'from.$': '$.login.located' };
    const open = tasks.invoke(`${this.label}: Open password conversation`, fn, operation('open'), { ...conversation, 'session.$': '$.login.session' }, { resultPath: '$.conversation' });
    const nextPrompt = new sfn.Choice(scope, `${this.label}: Next prompt`);
    for (const [kind, title] of CONVERSATION_STEPS) {
      const answer = tasks.invoke(
        `${this.label}: ${title}`,
        fn,
        operation('answer'),
        { ...conversation, 'session.$': '$.conversation.session', 'conversation.$': '$.conversation.conversation', prompt: kind, 'answers.$': '$.conversation.answers' },
        { resultPath: '$.conversation', taskTimeout: sfn.Timeout.duration(this.props.stepTimeout) },
      );
      tasks.retryTransport(answer);
      answer.addCatch(again, { errors: [...UNCERTAIN_ERRORS, 'States.Timeout'], resultPath: '$.interrupted' });
      nextPrompt.when(sfn.Condition.stringEquals('$.conversation.prompt', kind), answer.next(nextPrompt));
    }
    for (const task of [login, open]) {
      tasks.retryTransport(task);
      task.addCatch(again, { errors: [...UNCERTAIN_ERRORS, 'States.Timeout'], resultPath: '$.interrupted' });
    }
    nextPrompt
      .when(sfn.Condition.stringEquals('$.conversation.prompt', 'done'), this.afterChange)
      .otherwise(new sfn.Fail(scope, `${this.label}: Unexpected prompt`, { error: 'UnexpectedPrompt', cause: 'The device asked something the workflow has no state for.' }));
    login.next(new sfn.Choice(scope, `${this.label}: Already changed?`).when(sfn.Condition.stringEquals('$.login.located', 'pending'), this.afterChange).otherwise(open.next(nextPrompt)));
    return login;
  }
}

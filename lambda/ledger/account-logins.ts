import { PasswordRejectedError } from '../device/errors';
import { type LoginCost, loginCostOf } from '../device/outcome';
import type { LoginOutcome } from '../device/types';
import type { AccountIdentity } from './account';
import type { DeviceLedger } from './device-ledger';
import type { LockoutModel } from './lockout';

/** What a login is for, in the ledger's words: references only. */
export interface LoginSpend {
  readonly what: string;
  /** The secret version whose password is sent. */
  readonly version?: string;
}

function costOfCall(error: unknown): LoginCost {
  if (error instanceof PasswordRejectedError && error.reason === 'current-password') return 'failed';
  if (error instanceof PasswordRejectedError && (error.reason === 'policy-or-current-password' || error.reason === 'ambiguous')) return 'unknown';
  return loginCostOf(error);
}

/** What a `verifyLogin` outcome cost on the device. */
export function costOfOutcome(outcome: LoginOutcome): LoginCost {
  switch (outcome.status) {
    case 'accepted':
    case 'unavailable':
      return 'none';
    case 'rejected':
      return 'failed';
    case 'locked':
      return 'locked';
    default:
      return 'unknown';
  }
}

/**
 * Every login on one account goes through here: reserved in the ledger before it is sent (refused, with nothing sent,
 * when the budget has no room), settled with what it cost once the answer is known. A crash in between leaves the
 * reservation charged: a login whose answer nobody saw may have cost a failed login.
 */
export class AccountLogins {
  constructor(
    private readonly ledger: DeviceLedger,
    readonly secretArn: string,
    readonly account: AccountIdentity,
    readonly model: LockoutModel,
    /** Who spends: the execution ARN, or the caller. */
    readonly by: string,
    /** How long after its deadline a request may still reach the device (and count there as a failed login). */
    private readonly lateMs = 0,
  ) {}

  /**
   * A call whose thrown error tells what its login cost (`loginCostOf`); success means the login was accepted. A change
   * refused for its current password counts as a failed login too: devices check it as they check a login.
   */
  async call<T>(spend: LoginSpend, run: () => Promise<T>): Promise<T> {
    return this.attempt(spend, run, (result) => ('error' in result ? costOfCall(result.error) : 'none'));
  }

  /** A `verifyLogin`: the outcome tells the cost. */
  async verify(spend: LoginSpend, run: () => Promise<LoginOutcome>): Promise<LoginOutcome> {
    return this.attempt(spend, run, (result) => ('error' in result ? loginCostOf(result.error) : costOfOutcome(result.value)));
  }

  /** The versions the device refused recently, and the version a change was last sent towards (`AccountRecord.changeSent`). */
  searchState(): Promise<{ refused: ReadonlySet<string>; changeSentTo?: string }> {
    return this.ledger.searchState(this.account);
  }

  noteChangeSent(version: string): Promise<void> {
    return this.ledger.noteChangeSent(this.account, version, this.by);
  }

  clearChangeSent(version: string): Promise<void> {
    return this.ledger.clearChangeSent(this.account, version);
  }

  private async attempt<T>(spend: LoginSpend, run: () => Promise<T>, costOf: (result: { value: T } | { error: unknown }) => LoginCost): Promise<T> {
    const reservation = await this.ledger.reserveLogin(this.secretArn, this.account, this.model, { by: this.by, ...spend });
    let result: { value: T } | { error: unknown };
    try {
      result = { value: await run() };
    } catch (error) {
      result = { error };
    }
    const cost = costOf(result);
    await this.ledger.settle(reservation, cost, this.by, cost === 'none' ? 0 : this.lateMs);
    if ('error' in result) throw result.error;
    return result.value;
  }
}

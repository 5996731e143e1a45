import { DescribeExecutionCommand, ExecutionDoesNotExist } from '@aws-sdk/client-sfn';
import { stepFunctions } from '../aws/step-functions-client';
import { RotatorError } from '../errors';
import { type AccountIdentity, describeAccount } from '../ledger/account';
import { type DeviceLedger, LeaseHeldError } from '../ledger/device-ledger';

/** Another execution holds the account's lease: this one stops before touching the device. */
export class RotationInProgressError extends RotatorError {
  static override readonly errorName = 'RotationInProgressError';
  declare readonly secretArn: string;
  constructor(secretArn: string, account: AccountIdentity, holder: string) {
    super(
      `Secret ${secretArn}: execution ${holder} is changing ${describeAccount(account)} (it holds the account's lease in ` +
        'the device ledger); this execution stopped before touching the device, so that only one changes it. Wait for ' +
        'that execution to end (a scheduled retry then finds the rotation done, or resumes it).',
      { secretArn },
    );
  }
}

/** The actions that may change a device; `verify` and `test` only log in and never need the lease. */
const CHANGING = new Set(['set', 'rotate']);

export function changesDevice(action: string | undefined): boolean {
  return action !== undefined && CHANGING.has(action);
}

/**
 * Positive evidence that an execution is over. DescribeExecution is eventually consistent: a closed execution may
 * still read RUNNING for a while (the lease is then respected a little longer, which is safe), and one that does not
 * exist (yet, or any more) is no evidence either.
 */
export async function executionHasEnded(executionArn: string): Promise<boolean> {
  try {
    const described = await stepFunctions().send(new DescribeExecutionCommand({ executionArn }));
    return described.status !== undefined && described.status !== 'RUNNING';
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return false;
    throw error;
  }
}

/**
 * At most one execution changes an account at a time, whichever state machine started it: the one holding the
 * account's lease in the device ledger (a strongly consistent conditional write, unlike ListExecutions). A lease is
 * taken over only once it has expired or its holder has ended.
 */
export async function takeDeviceLease(args: {
  ledger: DeviceLedger;
  secretArn: string;
  account: AccountIdentity;
  executionArn: string;
  leaseMs: number;
}): Promise<void> {
  try {
    await args.ledger.acquireLease(args.account, args.executionArn, Date.now() + args.leaseMs, executionHasEnded);
  } catch (error) {
    if (error instanceof LeaseHeldError) throw new RotationInProgressError(args.secretArn, args.account, error.holder);
    throw error;
  }
}

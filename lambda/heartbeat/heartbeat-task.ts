import * as z from '../validation/zod';
import { AWSCURRENT, AWSPENDING, describeSecret, requireDeviceVersion, versionWithStage } from '../aws/secret-versions';
import { AuthenticationFailedError } from '../device/errors';
import { accountOf } from '../ledger/account';
import type { DeviceLedger, HeartbeatRecord } from '../ledger/device-ledger';
import { LoginBudgetExhaustedError } from '../ledger/errors';
import type { DeviceTasks } from '../rotation/device-tasks';
import { secretArnField } from '../rotation/task-input';
import { DeviceDriftError } from './errors';
import { countHeartbeat } from './metrics';

export const heartbeatInput = z.object({ operation: z.literal('heartbeat'), secretArn: secretArnField, execution: z.optional(z.string().check(z.minLength(1))) });

export type HeartbeatResult = { readonly outcome: 'ok' | 'skipped'; readonly version: string; readonly detail?: string };

/**
 * The heartbeat of one secret: AWSCURRENT logs in, through the console `verify` path (`DeviceTasks.verify`, one login
 * charged to the account's budget), and nothing is changed. Its result is kept in the device ledger
 * (`lastHeartbeat`). No login is sent when the budget is spent (`skipped`), while a rotation holds the account's lease
 * (`skipped`: AWSCURRENT may be about to move), or when the device refused this AWSCURRENT recently (`drifted` again,
 * nothing sent). A refusal is drift: `DeviceDriftError`, and the metric `DevicesDrifted`.
 */
export async function heartbeat(tasks: DeviceTasks, ledger: DeviceLedger, input: z.infer<typeof heartbeatInput>): Promise<HeartbeatResult> {
  const executionArn = input.execution ?? 'an unnamed caller';
  const [current, description] = await Promise.all([requireDeviceVersion(input.secretArn, { stage: AWSCURRENT }), describeSecret(input.secretArn)]);
  const account = accountOf(current.secret);
  const vendor = current.secret.vendor;
  const pending = versionWithStage(description, AWSPENDING);
  const pendingVersion = pending !== undefined && pending !== current.versionId ? pending : undefined;
  const device = `${vendor} device ${account.host}:${account.port}`;
  const record = (outcome: HeartbeatRecord['outcome'], detail?: string) =>
    ledger.recordHeartbeat(account, { at: Date.now(), outcome, executionArn, version: current.versionId, ...(detail === undefined ? {} : { detail }) });
  const skip = async (detail: string): Promise<HeartbeatResult> => {
    await record('skipped', detail);
    countHeartbeat('HeartbeatsSkipped');
    return { outcome: 'skipped', version: current.versionId, detail };
  };
  const drifted = async (notSentAgain: boolean): Promise<never> => {
    const error = new DeviceDriftError(input.secretArn, device, current.versionId, { notSentAgain, pendingVersion });
    await record('drifted', error.message);
    countHeartbeat('DevicesDrifted');
    throw error;
  };

  const [state, search] = await Promise.all([ledger.read(account), ledger.searchState(account)]);
  const lease = state.lease;
  if (lease !== undefined && lease.holder !== executionArn && lease.until > Date.now()) {
    return skip(`execution ${lease.holder} holds the account's lease (a rotation or abandon is running): nothing was sent`);
  }
  if (search.refused.has(current.versionId)) return drifted(true);
  try {
    await tasks.verify({ operation: 'verify', secretArn: input.secretArn, stage: 'current', execution: executionArn });
  } catch (error) {
    if (error instanceof LoginBudgetExhaustedError) return skip(`budget: ${error.message}`);
    if (error instanceof AuthenticationFailedError) return drifted(false);
    await record('error', error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    throw error;
  }
  await record('ok');
  return { outcome: 'ok', version: current.versionId };
}

import { createHash } from 'node:crypto';
import { secretTag } from '../rotation/execution-names';

const DAY_MS = 24 * 3600_000;

/**
 * When a secret's heartbeat runs: every `everyDays` days, at one hour of the UTC day, both chosen by a stable hash of
 * its ARN so that a fleet is checked over the whole day instead of in one burst. The hour is 12 hours from the hour
 * the enrollment spread gives the secret's rotation window (`spreadSchedule`, same hash), so that a heartbeat does not
 * meet its own rotation. The same ARN always gets the same slot.
 */
export function heartbeatSlot(secretArn: string, everyDays: number): { hour: number; day: number } {
  if (!Number.isInteger(everyDays) || everyDays < 1) throw new Error(`a heartbeat runs every whole number of days (1 or more), got ${everyDays}`);
  const hash = createHash('sha256').update(secretArn).digest();
  return { hour: ((hash.readUInt32BE(0) % 24) + 12) % 24, day: hash.readUInt32BE(8) % everyDays };
}

/** Whether the secret's heartbeat is due in the UTC hour that `at` falls in. */
export function heartbeatDue(secretArn: string, at: Date, everyDays: number): boolean {
  const slot = heartbeatSlot(secretArn, everyDays);
  return slot.hour === at.getUTCHours() && Math.floor(at.getTime() / DAY_MS) % everyDays === slot.day;
}

/**
 * The execution name of a secret's heartbeat on a UTC day: `heartbeat-<secret tag>-<yyyy-mm-dd>`. Starting it twice
 * (a retried dispatch) finds the same execution: at most one heartbeat per secret and day.
 */
export function heartbeatExecutionName(secretArn: string, at: Date): string {
  return `heartbeat-${secretTag(secretArn)}-${at.toISOString().slice(0, 10)}`; // a reserved name (execution-names.ts)
}

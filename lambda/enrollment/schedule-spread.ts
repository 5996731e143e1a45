import { createHash } from 'node:crypto';

/** Secrets Manager rotation rules: a schedule expression and the window it opens. */
export interface RotationRules {
  readonly ScheduleExpression: string;
  readonly Duration: string;
}

/**
 * A secret's rotation schedule, spread by a stable hash of its ARN so that a fleet enrolled at once does not rotate in
 * one burst: every `days` days (monthly from 28 days up), at one of the 24 window hours (UTC), on one of the days of
 * the cycle. The same ARN always gets the same slot, so a reconcile changes nothing.
 */
export function spreadSchedule(secretArn: string, days: number, windowHours = 2): RotationRules {
  if (!Number.isInteger(days) || days < 1) throw new Error(`a spread schedule rotates every whole number of days (1 or more), got ${days}`);
  const hash = createHash('sha256').update(secretArn).digest();
  const hour = hash.readUInt32BE(0) % 24;
  const cycle = Math.min(days, 28);
  const day = 1 + (hash.readUInt32BE(4) % cycle);
  const dayOfMonth = days >= 28 ? String(day) : days === 1 ? '*' : `${day}/${days}`;
  return { ScheduleExpression: `cron(0 ${hour} ${dayOfMonth} * ? *)`, Duration: `${windowHours}h` };
}

import { Duration, Token } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct, IDependable } from 'constructs';
import type { SecretRef } from './secrets';

/**
 * A rotation schedule given as an expression, with an optional rotation window.
 *
 * Secrets Manager schedules are in UTC and may rotate as often as every 4 hours.
 */
export interface RotationScheduleExpression {
  /**
   * `rate(<n> hours|days)` (at least 4 hours, at most 999 days) or
   * `cron(0 <hours> <day-of-month> <month> <day-of-week> *)` (minutes must be 0, year must be `*`).
   */
  readonly expression: string;
  /**
   * How long the rotation window stays open, in whole hours (at least 1 hour).
   * It may not run into the next UTC day nor into the next rotation window.
   *
   * @default - Secrets Manager's default: 1 hour for a schedule in hours, the rest of the UTC day for a schedule in days
   */
  readonly window?: Duration;
}

/**
 * How often a secret is rotated:
 * - a `Duration`: rotate that long after the previous rotation (whole days become `AutomaticallyAfterDays`;
 *   4 to 23 hours become `rate(<n> hours)`);
 * - an expression string (`rate(...)` or `cron(...)`), or an expression with a rotation window.
 */
export type RotationScheduleSetting = Duration | string | RotationScheduleExpression;

/** The default schedule: every 30 days. */
export const DEFAULT_ROTATION_SCHEDULE: RotationScheduleSetting = Duration.days(30);

const MIN_INTERVAL_HOURS = 4;

/**
 * Checks a rotation schedule against what Secrets Manager accepts.
 * @returns the problem, worded to follow the name of the field, or undefined when the schedule is valid
 */
export function rotationScheduleProblem(schedule: RotationScheduleSetting): string | undefined {
  try {
    renderRotationRules(schedule);
    return undefined;
  } catch (error) {
    if (error instanceof RotationScheduleError) return error.problem;
    throw error;
  }
}

/** A schedule Secrets Manager would refuse. `problem` reads after the field's name: "schedule: <problem>". */
export class RotationScheduleError extends Error {
  constructor(readonly problem: string) {
    super(problem);
    this.name = 'RotationScheduleError';
  }
}

/**
 * Renders a schedule as CloudFormation `RotationRules`.
 * @throws RotationScheduleError when Secrets Manager would refuse the schedule
 */
export function renderRotationRules(
  schedule: RotationScheduleSetting,
): secretsmanager.CfnRotationSchedule.RotationRulesProperty {
  if (schedule instanceof Duration) return renderDuration(schedule);
  const { expression, window } = typeof schedule === 'string' ? { expression: schedule, window: undefined } : schedule;
  if (typeof expression !== 'string') {
    throw new RotationScheduleError('must be a Duration, an expression string, or { expression, window? }');
  }
  const windowHours = window === undefined ? undefined : windowInHours(window);
  if (Token.isUnresolved(expression)) {
    return { scheduleExpression: expression, duration: windowHours === undefined ? undefined : `${windowHours}h` };
  }
  checkExpression(expression.trim(), windowHours);
  return {
    scheduleExpression: expression.trim(),
    duration: windowHours === undefined ? undefined : `${windowHours}h`,
  };
}

function renderDuration(duration: Duration): secretsmanager.CfnRotationSchedule.RotationRulesProperty {
  if (Token.isUnresolved(duration.toSeconds())) {
    throw new RotationScheduleError('a Duration schedule must be a known value, not a token');
  }
  const seconds = duration.toSeconds();
  if (seconds % 3600 !== 0) {
    throw new RotationScheduleError(`must be a whole number of hours, got ${duration.toHumanString()}`);
  }
  const hours = seconds / 3600;
  if (hours < MIN_INTERVAL_HOURS) {
    throw new RotationScheduleError(
      `must be at least ${MIN_INTERVAL_HOURS} hours (Secrets Manager rotates at most every 4 hours), got ${duration.toHumanString()}`,
    );
  }
  if (hours % 24 === 0) {
    const days = hours / 24;
    if (days > 1000) throw new RotationScheduleError(`must be at most 1000 days, got ${days} days`);
    return { automaticallyAfterDays: days };
  }
  if (hours < 24) return { scheduleExpression: `rate(${hours} hours)` };
  throw new RotationScheduleError(
    `must be whole days or 4 to 23 hours, got ${duration.toHumanString()}; use a cron() expression for other intervals`,
  );
}

function windowInHours(window: Duration): number {
  if (!(window instanceof Duration)) throw new RotationScheduleError('window must be a Duration');
  if (Token.isUnresolved(window.toSeconds())) throw new RotationScheduleError('window must be a known value, not a token');
  const seconds = window.toSeconds();
  if (seconds % 3600 !== 0 || seconds < 3600 || seconds > 24 * 3600) {
    throw new RotationScheduleError(`window must be a whole number of hours from 1 to 24, got ${window.toHumanString()}`);
  }
  return seconds / 3600;
}

function checkExpression(expression: string, windowHours: number | undefined): void {
  const rate = /^rate\(\s*(\d+)\s+(hour|hours|day|days)\s*\)$/.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2]!;
    if (unit.startsWith('hour')) {
      if (value < MIN_INTERVAL_HOURS || value > 23) {
        throw new RotationScheduleError(
          `"${expression}": a rate in hours must be 4 to 23 hours (Secrets Manager rotates at most every 4 hours; use days beyond that)`,
        );
      }
      if (windowHours !== undefined && windowHours > value) {
        throw new RotationScheduleError(
          `"${expression}": the ${windowHours}h window would run into the next rotation window (at most ${value}h)`,
        );
      }
    } else if (value < 1 || value > 999) {
      throw new RotationScheduleError(`"${expression}": a rate in days must be 1 to 999 days`);
    }
    // A rate in days opens its window at midnight UTC: any window up to 24h stays within the day.
    return;
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron) {
    throw new RotationScheduleError(
      `"${expression}" is not a schedule: expected rate(<n> hours|days), cron(0 <hours> <day-of-month> <month> <day-of-week> *), or a Duration`,
    );
  }
  const fields = cron[1]!.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new RotationScheduleError(
      `"${expression}": a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  }
  const [minutes, hoursField, dayOfMonth, , dayOfWeek, year] = fields as [string, string, string, string, string, string];
  if (minutes !== '0') {
    throw new RotationScheduleError(`"${expression}": the minutes field must be 0 (rotation windows open on the hour)`);
  }
  if (year !== '*') {
    throw new RotationScheduleError(`"${expression}": the year field must be *`);
  }
  if (dayOfMonth !== '?' && dayOfWeek !== '?') {
    throw new RotationScheduleError(`"${expression}": one of day-of-month and day-of-week must be ?`);
  }
  const hours = cronHours(hoursField);
  if (hours === undefined) {
    throw new RotationScheduleError(`"${expression}": cannot read the hours field "${hoursField}" (expected 0-23, lists, ranges or steps)`);
  }
  // Hours between window openings within a day; the last window of the day may not run past midnight.
  const gaps = hours.map((hour, i) => (i + 1 < hours.length ? hours[i + 1]! : 24) - hour);
  const openings = hours.slice(1).map((hour, i) => hour - hours[i]!);
  const daily = ['*', '?'].includes(dayOfMonth) && ['*', '?'].includes(dayOfWeek);
  // On a daily schedule the hours field restarts every day: the last opening is followed by tomorrow's first.
  if (daily && hours.length > 1) openings.push(24 - hours[hours.length - 1]! + hours[0]!);
  const closestGap = Math.min(...openings, Number.POSITIVE_INFINITY);
  if (closestGap < MIN_INTERVAL_HOURS) {
    throw new RotationScheduleError(
      `"${expression}" rotates more often than every 4 hours (windows open ${closestGap}h apart)`,
    );
  }
  if (windowHours !== undefined) {
    const tightest = Math.min(...gaps);
    if (windowHours > tightest) {
      throw new RotationScheduleError(
        `"${expression}": the ${windowHours}h window would run into the next rotation window or the next UTC day (at most ${tightest}h)`,
      );
    }
  }
}

/** The hours (0-23, sorted) at which a cron hours field opens a window, or undefined if it cannot be read. */
function cronHours(field: string): number[] | undefined {
  const hours = new Set<number>();
  for (const part of field.split(',')) {
    const m = /^(\*|\d{1,2}(?:-\d{1,2})?)(?:\/(\d{1,2}))?$/.exec(part);
    if (!m) return undefined;
    const [from, to] = m[1] === '*' ? [0, 23] : m[1]!.includes('-') ? m[1]!.split('-').map(Number) : [Number(m[1]), m[2] ? 23 : Number(m[1])];
    const step = m[2] ? Number(m[2]) : 1;
    if (from === undefined || to === undefined || from > 23 || to > 23 || from > to || step < 1) return undefined;
    for (let hour = from; hour <= to; hour += step) hours.add(hour);
  }
  return [...hours].sort((a, b) => a - b);
}

export function rulesOrThrow(
  schedule: RotationScheduleSetting,
  field: string,
  scope: Construct,
): secretsmanager.CfnRotationSchedule.RotationRulesProperty {
  try {
    return renderRotationRules(schedule);
  } catch (error) {
    if (error instanceof RotationScheduleError) throw new Error(`${scope.node.path}: ${field}: ${error.problem}`);
    throw error;
  }
}

/** A readable, stable construct id for a secret's schedule: its name when the ARN is known, else its construct address. */
export function scheduleId(secret: secretsmanager.ISecret): string {
  const arn = secret.secretArn;
  if (!Token.isUnresolved(arn)) {
    const name = arn.split(':secret:')[1];
    if (name) return name.replace(/\//g, '_');
  }
  return secret.node.addr;
}

/**
 * One `AWS::SecretsManager::RotationSchedule` per listed secret, pointing at the rotation function. Enabling rotation
 * runs the function (testSecret at least): everything it needs (`dependsOn`) must exist first.
 */
export function createRotationSchedules(
  scope: Construct,
  args: {
    rotated: ReadonlyArray<{ ref: SecretRef; rules: secretsmanager.CfnRotationSchedule.RotationRulesProperty }>;
    rotationFunction: lambda.IFunction;
    rotateImmediatelyOnUpdate: boolean;
    dependsOn: readonly IDependable[];
  },
): void {
  for (const { ref, rules } of args.rotated) {
    const schedule = new secretsmanager.CfnRotationSchedule(scope, `Rotation-${scheduleId(ref.secret)}`, {
      secretId: ref.secret.secretArn,
      rotationLambdaArn: args.rotationFunction.functionArn,
      rotationRules: rules,
      rotateImmediatelyOnUpdate: args.rotateImmediatelyOnUpdate,
    });
    schedule.node.addDependency(...args.dependsOn);
  }
}

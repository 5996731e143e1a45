/**
 * The base of every error the rotator throws (as Powertools' errors have one): what failed is read from its type and
 * fields, never parsed out of its message.
 *
 * - `name` is the error type Step Functions matches in Retry and Catch, and the `errorType` Lambda reports. It comes from
 *   the class's `static readonly errorName`, which every concrete subclass declares: bundles keep class names, but a
 *   name Step Functions matches is spelled out, not derived from one.
 * - `secretArn`: the secret the failure is about, when the thrower knows it (its message then names it too).
 * - `step`: where it failed: the task or operation (`setSecret`, `change`, `describe`), or the device step of a device
 *   error (`change-password`).
 *
 * No field, message or cause holds a password, a session token, an `aasID` or an OAuth client secret.
 */
export interface RotatorErrorOptions {
  readonly secretArn?: string;
  readonly step?: string;
  /** A lower-level error. Only one that holds no secret (or a scrubbed copy) is passed here. */
  readonly cause?: unknown;
}

/** Own fields that `toJSON` leaves out: the stack, the cause (another error), and those it writes first. */
const NOT_IN_JSON = new Set(['stack', 'cause', 'name', 'message', 'secretArn', 'step']);

export abstract class RotatorError extends Error {
  /** The error type (`name`). Every concrete subclass declares its own; the base's only names an undeclared one. */
  static readonly errorName: string = 'RotatorError';
  override readonly name: string;
  readonly secretArn?: string;
  readonly step?: string;

  protected constructor(message: string, options: RotatorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.errorName;
    if (options.secretArn !== undefined) this.secretArn = options.secretArn;
    if (options.step !== undefined) this.step = options.step;
  }

  /** Records the step (task, operation) the error happened in, unless it already names one. Returns the error. */
  atStep(step: string): this {
    if (this.step === undefined) (this as { step?: string }).step = step;
    return this;
  }

  /**
   * A plain, JSON-safe description for logs and state output: name, message, secretArn, step and the subclass's own
   * typed fields (JSON values only). Never the stack, never the cause.
   */
  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = { name: this.name, message: this.message };
    if (this.secretArn !== undefined) json.secretArn = this.secretArn;
    if (this.step !== undefined) json.step = this.step;
    for (const [key, value] of Object.entries(this)) {
      if (NOT_IN_JSON.has(key) || value === undefined) continue;
      const plain = jsonValue(value);
      if (plain !== undefined) json[key] = plain;
    }
    return json;
  }
}

/** A copy of a value made only of JSON values; undefined for one that has none (a function, an error, a cycle). */
function jsonValue(value: unknown): unknown {
  if (value instanceof Error || typeof value === 'function' || typeof value === 'symbol') return undefined;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

/**
 * A failure of a task that did not say which secret it was about (an AWS SDK error, a device error, an invalid task
 * input): `explain` puts the secret and the task in front of its message. It keeps the original's `name`, which is
 * what a Step Functions Retry or Catch matches (the one class whose name is not its `errorName`), and the original's
 * JSON form (`detail`) when that was a RotatorError; it keeps no cause.
 */
export class TaskFailedError extends RotatorError {
  static override readonly errorName = 'TaskFailedError';
  /** The explained error's JSON form (`toJSON`), when it was a RotatorError. */
  readonly detail?: Record<string, unknown>;

  constructor(original: Error, secretArn: string | undefined, step: string) {
    super(`Secret ${secretArn ?? '(none given)'}, task "${step}": ${original.message}`, { secretArn, step });
    (this as { name: string }).name = original.name;
    this.stack = `${this.name}: ${this.message}\n${(original.stack ?? '').split('\n').slice(1).join('\n')}`;
    if (original instanceof RotatorError) this.detail = original.toJSON();
  }
}

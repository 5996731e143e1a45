/**
 * Faults a simulated device can be told to show on coming requests.
 * - `latency`: the device answers `ms` later (it acts after the delay too).
 * - `drop-before`: the connection is cut when the request arrives; the device does nothing.
 * - `drop-after`: the device does the work (e.g. changes the password), then the connection is cut before the answer.
 * - `server-error`: the device answers HTTP `status` (default 500) and does nothing.
 * - `session-expired`: the session, token or cookie presented is treated as expired (and forgotten).
 * - `conversation-expired`: a password conversation's id presented is dead (vendors with a conversation).
 * - `reject-new-password`: the new password is refused as if it broke the device's policy.
 * - `respond`: the device answers `status` with `body` (a string is sent as is; `headers` may set its content type)
 *   instead of its own answer: without acting, or after acting (`afterHandling`: e.g. the login was counted).
 */
export type Fault =
  | { readonly kind: 'latency'; readonly ms: number }
  | { readonly kind: 'drop-before' }
  | { readonly kind: 'drop-after' }
  | { readonly kind: 'server-error'; readonly status?: number }
  | { readonly kind: 'session-expired' }
  | { readonly kind: 'conversation-expired' }
  | { readonly kind: 'reject-new-password' }
  | {
      readonly kind: 'respond';
      readonly status: number;
      readonly body?: unknown;
      readonly headers?: Record<string, string | string[]>;
      readonly afterHandling?: boolean;
    };

export type FaultKind = Fault['kind'];

export interface FaultRule {
  readonly fault: Fault;
  /** Operation names (each simulator documents its own, e.g. `login`, `change-password`). Default: any operation. */
  readonly on?: string | readonly string[];
  /** Let this many matching requests through untouched first. Default: 0. */
  readonly skip?: number;
  /** How many matching requests get the fault. Default: 1; `Infinity` for all. */
  readonly times?: number;
}

interface ActiveRule {
  readonly fault: Fault;
  readonly on?: readonly string[];
  skip: number;
  remaining: number;
}

/** A queue of fault rules; each request takes the faults of every rule that matches it. */
export class FaultPlan {
  private rules: ActiveRule[] = [];

  inject(rule: FaultRule): void {
    const on = rule.on === undefined ? undefined : typeof rule.on === 'string' ? [rule.on] : [...rule.on];
    this.rules.push({ fault: rule.fault, on, skip: rule.skip ?? 0, remaining: rule.times ?? 1 });
  }

  clear(): void {
    this.rules = [];
  }

  /** The faults for one request to `operation`, consuming them. */
  take(operation: string): Fault[] {
    const faults: Fault[] = [];
    for (const rule of this.rules) {
      if (rule.remaining <= 0 || (rule.on !== undefined && !rule.on.includes(operation))) continue;
      if (rule.skip > 0) {
        rule.skip -= 1;
        continue;
      }
      rule.remaining -= 1;
      faults.push(rule.fault);
    }
    this.rules = this.rules.filter((rule) => rule.remaining > 0);
    return faults;
  }

  get pending(): number {
    return this.rules.length;
  }
}

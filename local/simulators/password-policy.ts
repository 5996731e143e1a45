/** The rules a simulated device applies to a new password. Each vendor simulator has its own defaults. */
export interface PasswordPolicy {
  readonly minLength: number;
  readonly maxLength: number;
  readonly requireUpper: boolean;
  readonly requireLower: boolean;
  readonly requireDigit: boolean;
  readonly requireSpecial: boolean;
  readonly forbidWhitespace: boolean;
  /** Refuse a new password equal to the current one. */
  readonly forbidReuse: boolean;
}

export type PolicyRule = keyof Omit<PasswordPolicy, 'maxLength'> | 'maxLength';

export interface PolicyViolation {
  readonly rule: PolicyRule;
  /** Plain-language reason, with no part of the password in it. */
  readonly reason: string;
}

export const PERMISSIVE_POLICY: PasswordPolicy = {
  minLength: 1,
  maxLength: 128,
  requireUpper: false,
  requireLower: false,
  requireDigit: false,
  requireSpecial: false,
  forbidWhitespace: false,
  forbidReuse: false,
};

export function checkPassword(policy: PasswordPolicy, candidate: string, current?: string): PolicyViolation | undefined {
  const checks: Array<[boolean, PolicyRule, string]> = [
    [candidate.length < policy.minLength, 'minLength', `The password is shorter than ${policy.minLength} characters`],
    [candidate.length > policy.maxLength, 'maxLength', `The password is longer than ${policy.maxLength} characters`],
    [policy.forbidWhitespace && /\s/.test(candidate), 'forbidWhitespace', 'The password contains white space'],
    [policy.requireUpper && !/[A-Z]/.test(candidate), 'requireUpper', 'The password contains no uppercase letter'],
    [policy.requireLower && !/[a-z]/.test(candidate), 'requireLower', 'The password contains no lowercase letter'],
    [policy.requireDigit && !/[0-9]/.test(candidate), 'requireDigit', 'The password contains no digit'],
    [policy.requireSpecial && !/[^A-Za-z0-9]/.test(candidate), 'requireSpecial', 'The password contains no special character'],
    [policy.forbidReuse && current !== undefined && candidate === current, 'forbidReuse', 'The password is the same as the old one'],
  ];
  const failed = checks.find(([violated]) => violated);
  return failed ? { rule: failed[1], reason: failed[2] } : undefined;
}

import { checkPassword, type PasswordPolicy, type PolicyViolation } from './password-policy';

export type Role = 'admin' | 'guest';

export interface SimulatedUser {
  readonly username: string;
  readonly password: string;
  /** Default: admin. */
  readonly role?: Role;
}

/**
 * How a device locks an account: `attempts` failed logins within a sliding window of `windowSeconds` lock it for
 * `lockSeconds` (default: `windowSeconds`; `Infinity` for a lock only an administrator lifts). A locked account
 * refuses even the right password; a success clears the failures; when a lock ends, the failures are forgotten.
 */
export interface LockoutPolicy {
  readonly attempts: number;
  readonly windowSeconds: number;
  readonly lockSeconds?: number;
}

/** What the device holds for one account, for tests to read. */
export interface AccountSnapshot {
  readonly username: string;
  readonly password: string;
  readonly role: Role;
  /** Failed logins since the last success (or since an administrator unlocked the account). */
  readonly failedLogins: number;
  /** Failed logins ever. */
  readonly totalFailedLogins: number;
  /** Failed logins within the lockout window now: the count that locks the account at `attempts`. */
  readonly failuresInWindow: number;
  readonly locked: boolean;
  /** When the current lock ends (ms since the epoch, `Infinity` for an administrator's lock); undefined when not locked. */
  readonly lockedUntil?: number;
  /** How many times failed logins locked the account (a lock set by `overwrite` is not counted). */
  readonly lockouts: number;
  readonly passwordChanges: number;
}

export type AuthenticationResult = 'ok' | 'bad-credentials' | 'locked';

interface Account {
  password: string;
  role: Role;
  failedLogins: number;
  totalFailedLogins: number;
  /** Times of the failed logins that count toward a lock. */
  failures: number[];
  lockedUntil: number | undefined;
  lockouts: number;
  passwordChanges: number;
}

/** The lockout a `lockoutThreshold` (the former option) meant: that many consecutive failures lock until unlocked by hand. */
export function consecutiveLockout(threshold: number): LockoutPolicy {
  return { attempts: threshold, windowSeconds: Infinity, lockSeconds: Infinity };
}

/**
 * The device's user store, with the habits of a real one: failed logins within a window lock the account for a
 * while (a locked account refuses even the right password), a success clears the failures, and a new password must
 * satisfy the policy. Time is read from `now`, so tests can move it.
 */
export class AccountStore {
  private readonly accounts = new Map<string, Account>();
  /** Refused authentications so far (any account): lets the server delay an answer that carries a refusal. */
  private refusalCount = 0;

  constructor(
    users: readonly SimulatedUser[],
    readonly policy: PasswordPolicy,
    readonly lockout: LockoutPolicy,
    private readonly now: () => number = Date.now,
  ) {
    if (!(lockout.attempts >= 1)) throw new Error('lockout.attempts must be at least 1');
    for (const user of users) {
      this.accounts.set(user.username, {
        password: user.password,
        role: user.role ?? 'admin',
        failedLogins: 0,
        totalFailedLogins: 0,
        failures: [],
        lockedUntil: undefined,
        lockouts: 0,
        passwordChanges: 0,
      });
    }
  }

  get refusals(): number {
    return this.refusalCount;
  }

  authenticate(username: string, password: string): AuthenticationResult {
    const account = this.accounts.get(username);
    if (account === undefined) {
      this.refusalCount += 1;
      return 'bad-credentials';
    }
    const now = this.now();
    if (this.lockedAt(account, now)) {
      this.refusalCount += 1;
      return 'locked';
    }
    if (account.password !== password) {
      this.refusalCount += 1;
      account.failedLogins += 1;
      account.totalFailedLogins += 1;
      account.failures = this.inWindow(account, now);
      account.failures.push(now);
      if (account.failures.length >= this.lockout.attempts) {
        account.lockedUntil = now + (this.lockout.lockSeconds ?? this.lockout.windowSeconds) * 1000;
        account.lockouts += 1;
      }
      return 'bad-credentials';
    }
    account.failedLogins = 0;
    account.failures = [];
    return 'ok';
  }

  /** Failed logins the device still allows before it locks the account (what some refusals say). */
  attemptsRemaining(username: string): number {
    const account = this.accounts.get(username);
    if (account === undefined) return this.lockout.attempts;
    const now = this.now();
    if (this.lockedAt(account, now)) return 0;
    return Math.max(0, this.lockout.attempts - this.inWindow(account, now).length);
  }

  /** Seconds left of the account's lock (rounded up), 0 when not locked. */
  lockSecondsLeft(username: string): number {
    const account = this.accounts.get(username);
    if (account === undefined) return 0;
    const now = this.now();
    return this.lockedAt(account, now) ? Math.ceil(((account.lockedUntil as number) - now) / 1000) : 0;
  }

  roleOf(username: string): Role | undefined {
    return this.accounts.get(username)?.role;
  }

  exists(username: string): boolean {
    return this.accounts.has(username);
  }

  checkNewPassword(username: string, candidate: string): PolicyViolation | undefined {
    return checkPassword(this.policy, candidate, this.accounts.get(username)?.password);
  }

  setPassword(username: string, password: string): void {
    const account = this.require(username);
    account.password = password;
    account.passwordChanges += 1;
  }

  /** For tests and operators: set a password behind the rotator's back, or lock (until unlocked) or unlock an account. */
  overwrite(username: string, changes: { password?: string; locked?: boolean }): void {
    const account = this.require(username);
    if (changes.password !== undefined) account.password = changes.password;
    if (changes.locked !== undefined) {
      account.lockedUntil = changes.locked ? Infinity : undefined;
      if (!changes.locked) {
        account.failedLogins = 0;
        account.failures = [];
      }
    }
  }

  snapshot(username: string): AccountSnapshot {
    const account = this.require(username);
    const now = this.now();
    const locked = this.lockedAt(account, now);
    return {
      username,
      password: account.password,
      role: account.role,
      failedLogins: account.failedLogins,
      totalFailedLogins: account.totalFailedLogins,
      failuresInWindow: locked ? account.failures.length : this.inWindow(account, now).length,
      locked,
      ...(locked ? { lockedUntil: account.lockedUntil } : {}),
      lockouts: account.lockouts,
      passwordChanges: account.passwordChanges,
    };
  }

  /** Whether the account is locked at `now`; a lock that has run out is lifted here, its failures forgotten. */
  private lockedAt(account: Account, now: number): boolean {
    if (account.lockedUntil === undefined) return false;
    if (now < account.lockedUntil) return true;
    account.lockedUntil = undefined;
    account.failures = [];
    return false;
  }

  private inWindow(account: Account, now: number): number[] {
    const since = now - this.lockout.windowSeconds * 1000;
    return account.failures.filter((at) => at > since);
  }

  private require(username: string): Account {
    const account = this.accounts.get(username);
    if (account === undefined) throw new Error(`simulated device has no user ${username}`);
    return account;
  }
}

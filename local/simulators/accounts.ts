import { checkPassword, type PasswordPolicy, type PolicyViolation } from './password-policy';

export type Role = 'admin' | 'guest';

export interface SimulatedUser {
  readonly username: string;
  readonly password: string;
  /** Default: admin. */
  readonly role?: Role;
}

/** What the device holds for one account, for tests to read. */
export interface AccountSnapshot {
  readonly username: string;
  readonly password: string;
  readonly role: Role;
  readonly failedLogins: number;
  readonly locked: boolean;
  readonly passwordChanges: number;
}

export type AuthenticationResult = 'ok' | 'bad-credentials' | 'locked';

interface Account {
  password: string;
  role: Role;
  failedLogins: number;
  locked: boolean;
  passwordChanges: number;
}

/**
 * The device's user store, with the habits of a real one: consecutive failed logins lock the account
 * (a locked account refuses even the right password), a success resets the count, and a new password
 * must satisfy the policy.
 */
export class AccountStore {
  private readonly accounts = new Map<string, Account>();

  constructor(
    users: readonly SimulatedUser[],
    readonly policy: PasswordPolicy,
    readonly lockoutThreshold: number,
  ) {
    for (const user of users) {
      this.accounts.set(user.username, { password: user.password, role: user.role ?? 'admin', failedLogins: 0, locked: false, passwordChanges: 0 });
    }
  }

  authenticate(username: string, password: string): AuthenticationResult {
    const account = this.accounts.get(username);
    if (account === undefined) return 'bad-credentials';
    if (account.locked) return 'locked';
    if (account.password !== password) {
      account.failedLogins += 1;
      if (account.failedLogins >= this.lockoutThreshold) account.locked = true;
      return 'bad-credentials';
    }
    account.failedLogins = 0;
    return 'ok';
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

  /** For tests and operators: set a password behind the rotator's back, or unlock an account. */
  overwrite(username: string, changes: { password?: string; locked?: boolean }): void {
    const account = this.require(username);
    if (changes.password !== undefined) account.password = changes.password;
    if (changes.locked !== undefined) {
      account.locked = changes.locked;
      if (!changes.locked) account.failedLogins = 0;
    }
  }

  snapshot(username: string): AccountSnapshot {
    const account = this.require(username);
    return { username, ...account };
  }

  private require(username: string): Account {
    const account = this.accounts.get(username);
    if (account === undefined) throw new Error(`simulated device has no user ${username}`);
    return account;
  }
}

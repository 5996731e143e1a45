import { AccountStore, consecutiveLockout, type LockoutPolicy } from '../../../local/simulators/accounts';
import { checkPassword, PERMISSIVE_POLICY } from '../../../local/simulators/password-policy';
import { SessionStore } from '../../../local/simulators/sessions';

describe('AccountStore', () => {
  const policy = { ...PERMISSIVE_POLICY, minLength: 6, requireDigit: true, forbidReuse: true };
  const store = () => new AccountStore([{ username: 'admin', password: 'Right-1' }], policy, consecutiveLockout(3));

  /** A store on a clock the test moves. */
  function clocked(lockout: LockoutPolicy) {
    let now = 1_700_000_000_000;
    const accounts = new AccountStore([{ username: 'admin', password: 'Right-1' }], policy, lockout, () => now);
    return { accounts, advance: (seconds: number) => (now += seconds * 1000) };
  }

  test('failures within the sliding window lock the account; failures that fall out of it do not count', () => {
    const { accounts, advance } = clocked({ attempts: 3, windowSeconds: 300 });
    accounts.authenticate('admin', 'x');
    advance(200);
    accounts.authenticate('admin', 'y');
    advance(150); // the first failure is now 350 s old: out of the window
    expect(accounts.authenticate('admin', 'z')).toBe('bad-credentials');
    expect(accounts.snapshot('admin')).toMatchObject({ locked: false, failuresInWindow: 2, failedLogins: 3, lockouts: 0 });
    expect(accounts.attemptsRemaining('admin')).toBe(1);
    advance(10);
    expect(accounts.authenticate('admin', 'w')).toBe('bad-credentials');
    expect(accounts.snapshot('admin')).toMatchObject({ locked: true, lockouts: 1 });
    expect(accounts.attemptsRemaining('admin')).toBe(0);
  });

  test('a lock is temporary (lockSeconds, default the window) and refuses even the right password while it lasts', () => {
    const { accounts, advance } = clocked({ attempts: 2, windowSeconds: 300 });
    accounts.authenticate('admin', 'x');
    accounts.authenticate('admin', 'y');
    expect(accounts.authenticate('admin', 'Right-1')).toBe('locked');
    expect(accounts.lockSecondsLeft('admin')).toBe(300);
    advance(299);
    expect(accounts.authenticate('admin', 'Right-1')).toBe('locked');
    advance(2);
    expect(accounts.snapshot('admin').locked).toBe(false);
    expect(accounts.authenticate('admin', 'Right-1')).toBe('ok');
    // The lock's failures are forgotten: one failure later is not a second lock.
    accounts.authenticate('admin', 'x');
    expect(accounts.snapshot('admin')).toMatchObject({ locked: false, lockouts: 1, failuresInWindow: 1 });
  });

  test('lockSeconds sets the lock apart from the window; a success clears the failure count', () => {
    const { accounts, advance } = clocked({ attempts: 2, windowSeconds: 60, lockSeconds: 10 });
    accounts.authenticate('admin', 'x');
    expect(accounts.authenticate('admin', 'Right-1')).toBe('ok');
    accounts.authenticate('admin', 'y');
    expect(accounts.snapshot('admin').locked).toBe(false);
    accounts.authenticate('admin', 'z');
    expect(accounts.snapshot('admin').locked).toBe(true);
    advance(11);
    expect(accounts.authenticate('admin', 'Right-1')).toBe('ok');
    expect(accounts.snapshot('admin')).toMatchObject({ lockouts: 1, totalFailedLogins: 3, failedLogins: 0 });
  });

  test('a lock set by hand is not counted as a lockout and lasts until lifted', () => {
    const { accounts, advance } = clocked({ attempts: 3, windowSeconds: 300 });
    accounts.overwrite('admin', { locked: true });
    advance(100_000);
    expect(accounts.authenticate('admin', 'Right-1')).toBe('locked');
    expect(accounts.snapshot('admin').lockouts).toBe(0);
  });

  test('consecutive failures lock the account; then even the right password is refused', () => {
    const accounts = store();
    expect(accounts.authenticate('admin', 'x')).toBe('bad-credentials');
    expect(accounts.authenticate('admin', 'y')).toBe('bad-credentials');
    expect(accounts.authenticate('admin', 'z')).toBe('bad-credentials');
    expect(accounts.snapshot('admin')).toMatchObject({ failedLogins: 3, locked: true });
    expect(accounts.authenticate('admin', 'Right-1')).toBe('locked');
  });

  test('a success resets the failure count; unlocking by hand resets it too', () => {
    const accounts = store();
    accounts.authenticate('admin', 'x');
    expect(accounts.authenticate('admin', 'Right-1')).toBe('ok');
    expect(accounts.snapshot('admin').failedLogins).toBe(0);
    accounts.overwrite('admin', { locked: true });
    accounts.overwrite('admin', { locked: false });
    expect(accounts.authenticate('admin', 'Right-1')).toBe('ok');
  });

  test('an unknown user is bad credentials, not an error', () => {
    expect(store().authenticate('nobody', 'x')).toBe('bad-credentials');
  });

  test('the policy names the first rule broken, never the password', () => {
    const accounts = store();
    expect(accounts.checkNewPassword('admin', 'abc')?.rule).toBe('minLength');
    expect(accounts.checkNewPassword('admin', 'abcdefg')?.rule).toBe('requireDigit');
    expect(accounts.checkNewPassword('admin', 'Right-1')?.rule).toBe('forbidReuse');
    expect(accounts.checkNewPassword('admin', 'Other-22')).toBeUndefined();
    expect(checkPassword({ ...PERMISSIVE_POLICY, requireSpecial: true }, 'Secret1')?.reason).not.toContain('Secret1');
  });
});

describe('SessionStore', () => {
  test('a session dies after the idle gap and is forgotten', async () => {
    const sessions = new SessionStore<string>(20);
    const id = sessions.create('admin');
    expect(sessions.use(id)).toBe('admin');
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(sessions.use(id)).toBeUndefined();
    expect(sessions.size).toBe(0);
    expect(sessions.issued).toEqual([id]);
  });
});

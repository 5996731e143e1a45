import { AccountStore } from '../../../local/simulators/accounts';
import { checkPassword, PERMISSIVE_POLICY } from '../../../local/simulators/password-policy';
import { SessionStore } from '../../../local/simulators/sessions';

describe('AccountStore', () => {
  const store = () => new AccountStore([{ username: 'admin', password: 'Right-1' }], { ...PERMISSIVE_POLICY, minLength: 6, requireDigit: true, forbidReuse: true }, 3);

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

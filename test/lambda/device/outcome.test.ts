import {
  AccountLockedError,
  AuthenticationFailedError,
  DeviceUnreachableError,
  type ErrorSite,
  PasswordRejectedError,
  ProtocolError,
  SessionExpiredError,
  TlsVerificationError,
} from '../../../lambda/device/errors';
import { loginCostOf, loginOutcomeOf } from '../../../lambda/device/outcome';

const at = (login: boolean): ErrorSite => ({ vendor: 'multitech-mpower', host: '192.0.2.1', port: 443, step: login ? 'login' : 'change', ...(login ? { login: true } : {}) });

describe('loginCostOf', () => {
  test.each([
    ['success', undefined, 'none'],
    ['a refusal at login', new AuthenticationFailedError(at(true)), 'failed'],
    ['a lock at login', new AccountLockedError(at(true)), 'locked'],
    ['a login never sent', new DeviceUnreachableError(at(true), 'could not connect', false), 'none'],
    ['TLS refused at login', new TlsVerificationError(at(true), 'pin mismatch'), 'none'],
    ['a login sent, its answer lost', new DeviceUnreachableError(at(true), 'no answer', true), 'unknown'],
    ['an unreadable answer at login', new ProtocolError(at(true), 'not JSON'), 'unknown'],
    ['a 5xx at login', new DeviceUnreachableError(at(true), '5xx', true, { httpStatus: 503 }), 'unknown'],
    ['any error after the login', new PasswordRejectedError(at(false), 'policy'), 'none'],
    ['an answer lost after the login', new DeviceUnreachableError(at(false), 'no answer', true), 'none'],
    ['a session that expired after the login', new SessionExpiredError(at(false), 'session'), 'none'],
    ['not a device error', new Error('bug'), 'unknown'],
    ['not even an Error', 'thrown string', 'unknown'],
  ])('%s → %s', (_label, error, cost) => {
    expect(loginCostOf(error)).toBe(cost);
  });
});

describe('loginOutcomeOf', () => {
  test('tells "unavailable" (cost nothing) from "unknown" (may have cost a failed login)', () => {
    expect(loginOutcomeOf(new DeviceUnreachableError(at(true), 'could not connect', false)).status).toBe('unavailable');
    expect(loginOutcomeOf(new TlsVerificationError(at(true), 'pin')).status).toBe('unavailable');
    expect(loginOutcomeOf(new DeviceUnreachableError(at(true), 'no answer', true)).status).toBe('unknown');
    expect(loginOutcomeOf(new ProtocolError(at(true), '403')).status).toBe('unknown');
    expect(loginOutcomeOf(new ProtocolError(at(false), 'registration refused')).status).toBe('unavailable');
    expect(loginOutcomeOf(new AuthenticationFailedError(at(true))).status).toBe('rejected');
    expect(loginOutcomeOf(new AccountLockedError(at(true))).status).toBe('locked');
    expect(() => loginOutcomeOf(new Error('bug'))).toThrow('bug');
  });
});

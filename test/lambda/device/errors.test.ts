import {
  AuthenticationFailedError,
  deviceText,
  DeviceUnreachableError,
  type ErrorSite,
  PasswordRejectedError,
  scrub,
} from '../../../lambda/device/errors';
import { canaryPassword, errorText, expectNoSecrets } from '../../helpers/canary';

const site = (secrets: string[] = []): ErrorSite => ({ vendor: 'oracle-sdwan-edge', host: '10.1.2.3', port: 443, step: 'change-password', secrets });

describe('device errors', () => {
  test('the message names vendor, device and step', () => {
    const error = new AuthenticationFailedError(site(), { httpStatus: 401 });
    expect(error.message).toBe('Oracle SD-WAN Edge 10.1.2.3:443, step "change-password": the device rejected the credentials (HTTP 401)');
    expect(error.name).toBe('AuthenticationFailedError');
    expect(error.retryable).toBe(false);
  });

  test('a device that echoes a password (plain, base64 or URL-encoded) has it scrubbed from the message', () => {
    const secret = canaryPassword();
    const echoed = `bad value ${secret} / ${Buffer.from(secret).toString('base64')} / ${encodeURIComponent(secret)}`;
    const error = new PasswordRejectedError(site([secret]), 'policy', { deviceMessage: echoed });
    expectNoSecrets(errorText(error), [secret]);
    expect(error.message).toContain('[REDACTED]');
  });

  test('a cause is copied scrubbed, keeping its code', () => {
    const secret = canaryPassword();
    const cause = Object.assign(new Error(`socket said ${secret}`), { code: 'ECONNRESET' });
    const error = new DeviceUnreachableError(site([secret]), 'connection lost', true, { cause });
    expectNoSecrets(errorText(error), [secret]);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNRESET');
  });

  test('the JSON form carries the facts an operator needs and no stack', () => {
    const json = new PasswordRejectedError(site(), 'policy-or-current-password').toJSON();
    expect(json).toEqual({
      name: 'PasswordRejectedError',
      message: expect.stringContaining('does not say whether the current password was wrong'),
      vendor: 'oracle-sdwan-edge',
      host: '10.1.2.3',
      port: 443,
      step: 'change-password',
      retryable: false,
    });
  });

  test('device text is made one bounded line', () => {
    expect(deviceText('a\n  b\tc')).toBe('a b c');
    expect(deviceText('x'.repeat(500))).toHaveLength(201);
    expect(deviceText({ error: 'nope' })).toBe('{"error":"nope"}');
  });

  test('scrub removes the longest secret first and ignores empty ones', () => {
    expect(scrub('abcdef abc', ['abc', 'abcdef', ''])).toBe('[REDACTED] [REDACTED]');
  });
});

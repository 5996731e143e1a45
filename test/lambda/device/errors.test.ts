import {
  AuthenticationFailedError,
  deviceText,
  DeviceUnreachableError,
  type ErrorSite,
  PasswordRejectedError,
  scrub,
  secretForms,
  WITHHELD_TEXT,
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

describe('scrubbing a device text (canaries)', () => {
  const leakFree = (text: string, secret: string) => {
    expectNoSecrets(text, [secret]);
    // And no piece of 3 characters or more of the secret at the end of the text (a cut one).
    for (let length = 3; length < secret.length; length += 1) expect(text.replace(/…$/, '').endsWith(secret.slice(0, length))).toBe(false);
  };

  test('a secret the device cut off at the end of its text (a prefix of it) is removed', () => {
    const secret = canaryPassword();
    const text = `your password ${secret.slice(0, secret.length - 4)}`;
    const quoted = deviceText(text, [secret]);
    expect(quoted).not.toContain(secret.slice(0, 6));
    expect(quoted).toContain('[REDACTED]');
  });

  test('the display limit never cuts inside a secret: the text is scrubbed first, and the cut leaves no piece of one', () => {
    const secret = canaryPassword();
    for (let offset = 180; offset <= 200; offset += 1) {
      const text = `${'x'.repeat(offset)}${secret} and more text after it ${'y'.repeat(300)}`;
      leakFree(deviceText(text, [secret]), secret);
    }
  });

  test('a secret that the cut of the display limit would split: no 3-character prefix of it is left at the cut', () => {
    const secret = canaryPassword();
    // The device text contains the beginning of the secret at the limit (e.g. a device that cut it itself).
    const text = `${'x'.repeat(195)}${secret.slice(0, 10)}zzzz${'y'.repeat(100)}`;
    const quoted = deviceText(text, [secret]);
    expect(quoted.length).toBeLessThanOrEqual(201);
    expect(quoted.replace(/…$/, '').endsWith(secret.slice(0, 3))).toBe(false);
    expect(quoted).not.toContain(secret.slice(0, 4));
  });

  test('a ProtocolError quoting a long unparseable body with a secret near byte 200 does not leak it', () => {
    const secret = canaryPassword();
    const body = `<html>${'p'.repeat(190)}${secret}</html>`;
    const error = new PasswordRejectedError(site([secret]), 'unknown', { deviceMessage: body });
    leakFree(error.message.slice(0, -1), secret);
    expectNoSecrets(errorText(error), [secret]);
  });

  test.each([
    ['form-encoded (URLSearchParams)', (secret: string) => new URLSearchParams({ password: secret }).toString()],
    ['form-encoded with spaces as "+"', (secret: string) => `password=${encodeURIComponent(secret).replace(/%20/g, '+')}`],
    ['URL-encoded with lower-case escapes', (secret: string) => encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())],
    ['JSON-escaped', (secret: string) => JSON.stringify({ password: secret })],
    ['HTML-escaped', (secret: string) => `<p>${secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')}</p>`],
  ])('a password echoed %s is scrubbed', (_label, echo) => {
    const secret = `${canaryPassword()} a"b\\c&d<e+f'g(h)~!*`;
    const text = deviceText(`echo: ${echo(secret)} end`, [secret]);
    expect(text).toContain('[REDACTED]');
    expect(text).not.toMatch(/Cy!pw/);
    expect(text).not.toContain('a"b');
  });

  test.each([['a'], ['ad'], ['adm'], ['admin'], ['administrator'], ['x-y-z']])('a password inside a Basic-auth header of user %j is scrubbed, at every alignment', (user) => {
    const secret = canaryPassword();
    const header = `Authorization: Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
    const quoted = deviceText(`the device echoed ${header}`, [secret]);
    expect(quoted).toContain('[REDACTED]');
    // Decoding what is left yields no piece of the secret longer than a couple of characters.
    const left = /Basic (\S*)/.exec(quoted)?.[1] ?? '';
    const decoded = Buffer.from(left.replace(/\[REDACTED\]/g, ''), 'base64').toString('latin1');
    expect(decoded).not.toContain(secret.slice(0, 4));
    expect(decoded).not.toContain(secret.slice(-4));
  });

  test.each([['1'], ['ab']])('a secret of %j (too short to scrub) withholds the device text entirely', (secret) => {
    const text = `the device said ${secret} here`;
    expect(deviceText(text, [secret, canaryPassword()])).toBe(WITHHELD_TEXT);
    const error = new PasswordRejectedError(site([secret]), 'policy', { deviceMessage: text });
    expect(error.message).toContain(WITHHELD_TEXT);
    expect(error.message).not.toContain('the device said');
    const cause = new DeviceUnreachableError(site([secret]), 'lost', true, { cause: Object.assign(new Error(`oops ${secret}`), { code: 'ECONNRESET' }) });
    expect((cause.cause as Error).message).toBe(WITHHELD_TEXT);
    expect((cause.cause as Error).stack).not.toContain('oops');
    expect((cause.cause as NodeJS.ErrnoException).code).toBe('ECONNRESET');
  });

  test('an empty secret is ignored, not a reason to withhold', () => {
    expect(deviceText('plain words', ['', canaryPassword()])).toBe('plain words');
  });

  test('white space folded into one line cannot rebuild a secret', () => {
    const secret = 'two words';
    expect(deviceText('say two\n\n   words now', [secret])).toBe('say [REDACTED] now');
  });

  test('secretForms covers the three base64 alignments', () => {
    const secret = 'Secret#123';
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const encoded = Buffer.from(`${prefix}${secret}`).toString('base64');
      expect(secretForms(secret).some((form) => encoded.includes(form))).toBe(true);
    }
  });
});

describe('duringLogin', () => {
  test('is true only where the site says login', () => {
    expect(new AuthenticationFailedError({ ...site(), login: true }).duringLogin).toBe(true);
    expect(new PasswordRejectedError(site(), 'policy').duringLogin).toBe(false);
  });
});

describe('scrubbing edge cases', () => {
  test('a secret that begins like the redaction marker ends cannot loop the scrubber', () => {
    expect(scrub('abc [REDACTED', ['ED]xyz', 'CTED'])).toContain('[REDACTED]');
    expect(deviceText(`${'x'.repeat(300)}`, ['ED]xyz', '[REDAC'])).toHaveLength(201);
  });
});

import { canaryPassword, errorText, expectNoSecrets } from './canary';

// The leak scan is what every "no secret in the open" test rests on: prove it can fail.
describe('canary leak scan', () => {
  const secret = canaryPassword();

  test.each([
    ['as is', `x ${secret} y`],
    ['base64', Buffer.from(secret).toString('base64')],
    ['URL-encoded', encodeURIComponent(secret)],
  ])('finds a secret %s', (_form, text) => {
    expect(() => expectNoSecrets(text, [secret])).toThrow('secret #0 leaked');
  });

  test('finds a secret in the cause of a cause', () => {
    const error = new Error('outer', { cause: new Error('middle', { cause: new Error(`inner ${secret}`) }) });
    expect(() => expectNoSecrets(errorText(error), [secret])).toThrow();
  });

  test('passes clean text, and does not print the secret when it fails', () => {
    expect(() => expectNoSecrets('nothing here', [secret])).not.toThrow();
    let message = '';
    try {
      expectNoSecrets(secret, [secret]);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/leaked/);
    expect(message).not.toContain(secret);
  });

  test('canary passwords are distinct and meet every default policy', () => {
    const a = canaryPassword();
    expect(a).not.toBe(canaryPassword());
    expect(a).toMatch(/^(?=.*[A-Z])(?=.*[a-z])(?=.*\d)(?=.*[^A-Za-z0-9])\S{8,30}$/);
  });
});

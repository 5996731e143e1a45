import { generationPolicyOf, InvalidDeviceSecretError, parseDeviceSecret } from '../../../lambda/secret/device-secret';
import { canaryPassword, errorText, expectNoSecrets } from '../../helpers/canary';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:devices/edge-1-AbCdEf';

function parse(value: unknown) {
  return parseDeviceSecret(typeof value === 'string' ? value : JSON.stringify(value), ARN, 'AWSCURRENT');
}

function problemsOf(value: unknown): string {
  try {
    parse(value);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidDeviceSecretError);
    return (error as Error).message;
  }
  throw new Error('expected the secret to be refused');
}

describe('device secret format', () => {
  const valid = { vendor: 'oracle-sdwan-edge', host: '10.0.0.7', username: 'admin', password: 'x-Secret-1' };

  test('a minimal secret parses, and gets its vendor default generation policy', () => {
    const secret = parse(valid);
    expect(secret).toEqual(valid);
    expect(generationPolicyOf(secret)).toMatchObject({ length: 24, requireEachIncludedType: true });
  });

  test('a lockout model may override the vendor default; it must leave one attempt for the rotator and one for a human', () => {
    expect(parse({ ...valid, lockout: { attempts: 3, windowSeconds: 300 } }).lockout).toEqual({ attempts: 3, windowSeconds: 300 });
    expect(problemsOf({ ...valid, lockout: { attempts: 2, windowSeconds: 300 } })).toMatch(/field "lockout.attempts" must be at least 3: one automated attempt, one kept for a human, and the one that locks/);
    expect(problemsOf({ ...valid, lockout: { attempts: 5, windowSeconds: 0 } })).toMatch(/field "lockout.windowSeconds"/);
    expect(problemsOf({ ...valid, lockout: { attempts: 5 } })).toMatch(/field "lockout.windowSeconds" is missing \(required\)/);
    expect(problemsOf({ ...valid, lockout: { attempts: 5, windowSeconds: 60, lockSeconds: 5 } })).toMatch(/field "lockout" has unknown keys \(lockSeconds\)/);
  });

  test("a conversation vendor's profile: step deadline and restarts, bounded, and on conversation vendors only", () => {
    const mpower = { ...valid, vendor: 'multitech-mpower' };
    expect(parse({ ...mpower, conversation: { stepTimeoutMs: 20_000, maxRestarts: 1 } }).conversation).toEqual({ stepTimeoutMs: 20_000, maxRestarts: 1 });
    expect(parse({ ...mpower, conversation: {} }).conversation).toEqual({});
    expect(problemsOf({ ...mpower, conversation: { stepTimeoutMs: 59_000 } })).toMatch(/field "conversation.stepTimeoutMs" must be at most 50000 \(the device function's timeout is 60 s\)/);
    expect(problemsOf({ ...mpower, conversation: { maxRestarts: 11 } })).toMatch(/field "conversation.maxRestarts"/);
    expect(problemsOf({ ...mpower, conversation: { maxRestarts: 1.5 } })).toMatch(/field "conversation.maxRestarts"/);
    expect(problemsOf({ ...mpower, conversation: { restarts: 2 } })).toMatch(/field "conversation" has unknown keys \(restarts\)/);
    expect(problemsOf({ ...valid, conversation: { maxRestarts: 1 } })).toMatch(/field "conversation" is only used by vendor multitech-mpower/);
  });

  test('resetAccounts names accounts by name: a non-empty list of usernames', () => {
    expect(parse({ ...valid, resetAccounts: ['netops', 'ops2'] }).resetAccounts).toEqual(['netops', 'ops2']);
    expect(problemsOf({ ...valid, resetAccounts: [] })).toMatch(/field "resetAccounts"/);
    expect(problemsOf({ ...valid, resetAccounts: [''] })).toMatch(/field "resetAccounts.0"/);
  });

  test('the secret\'s passwordPolicy overrides the vendor default field by field', () => {
    expect(generationPolicyOf(parse({ ...valid, passwordPolicy: { length: 16, excludePunctuation: true } }))).toMatchObject({
      length: 16,
      excludePunctuation: true,
      requireEachIncludedType: true,
    });
  });

  test.each([
    ['an unknown vendor', { ...valid, vendor: 'cisco-ios' }, /field "vendor" must be one of multitech-mpower, wso2-emm, oracle-sdwan-edge, oracle-unified-assurance/],
    ['a missing field', { vendor: 'wso2-emm', host: 'emm.example.net', password: 'p' }, /field "username"/],
    ['a URL instead of a host', { ...valid, host: 'http://10.0.0.7' }, /field "host" must be a host name or IP address, not a URL/],
    ['a bad fingerprint', { ...valid, tls: { certificateSha256: 'AB:CD' } }, /field "tls.certificateSha256" must be a SHA-256 fingerprint/],
    ['a port out of range', { ...valid, port: 70000 }, /field "port"/],
    ['an unknown key', { ...valid, pasword: 'typo' }, /has unknown keys \(pasword\)/],
    ['an oauthClient on another vendor', { ...valid, oauthClient: { clientId: 'a', clientSecret: 'b' } }, /field "oauthClient" is only used by vendor wso2-emm/],
    ['a privileged secret that is not an ARN', { ...valid, privilegedSecretArn: 'admin-secret' }, /field "privilegedSecretArn" must be a Secrets Manager secret ARN/],
  ])('%s is refused with a message naming the secret and the field', (_case, value, expected) => {
    const message = problemsOf(value);
    expect(message).toContain(ARN);
    expect(message).toContain('AWSCURRENT');
    expect(message).toMatch(expected);
  });

  test('malformed JSON is refused without quoting any of it (it may hold the password)', () => {
    const password = canaryPassword();
    let error: unknown;
    try {
      parse(`{"vendor":"wso2-emm","password":"${password}"`);
    } catch (caught) {
      error = caught;
    }
    expect((error as Error).message).toMatch(/SecretString is not JSON/);
    expectNoSecrets(errorText(error), [password]);
  });

  test('a password of the wrong type is refused without its value', () => {
    const message = problemsOf({ ...valid, password: 987654321 });
    expect(message).toMatch(/field "password"/);
    expect(message).not.toContain('987654321');
  });
});

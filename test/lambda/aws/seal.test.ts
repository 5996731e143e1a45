import { DecryptCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { seal, unseal } from '../../../lambda/aws/seal';
import { fakeKms } from '../../helpers/fake-kms';

/** Sealed session data: KMS with the workflow's key, bound by encryption context to one secret and one execution. */
const kms = fakeKms();
const SECRET = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:devices/gw-1-AbCdEf';
const OTHER_SECRET = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:devices/gw-2-GhIjKl';
const EXECUTION = 'arn:aws:states:us-east-1:111122223333:execution:rotation:set-0123456789-abc';
const saved = process.env.SEAL_KEY_ID;

beforeEach(() => {
  kms.reset();
  process.env.SEAL_KEY_ID = 'alias/workflow-key';
});
afterAll(() => {
  if (saved === undefined) delete process.env.SEAL_KEY_ID;
  else process.env.SEAL_KEY_ID = saved;
});

test('a sealed value is prefixed, holds nothing of the value, and opens for the same secret and execution', async () => {
  const sealed = await seal('session-token-1234', { secretArn: SECRET, execution: EXECUTION });
  expect(sealed.startsWith('sealed:')).toBe(true);
  expect(sealed).not.toContain('session-token-1234');
  expect(Buffer.from(sealed.slice('sealed:'.length), 'base64').toString('utf8')).not.toContain('session-token-1234');
  await expect(unseal(sealed, { secretArn: SECRET, execution: EXECUTION })).resolves.toBe('session-token-1234');
});

test('the encryption context names the purpose, the secret and the execution, with the workflow key', async () => {
  await seal('x-token', { secretArn: SECRET, execution: EXECUTION });
  const [call] = kms.mock.commandCalls(EncryptCommand);
  expect(call.args[0].input).toEqual(
    expect.objectContaining({ KeyId: 'alias/workflow-key', EncryptionContext: { purpose: 'device-session', secretArn: SECRET, execution: EXECUTION } }),
  );
});

test('a value sealed for one secret and execution does not open for another secret, nor for another execution', async () => {
  const sealed = await seal('session-token-1234', { secretArn: SECRET, execution: EXECUTION });
  const otherSecret = unseal(sealed, { secretArn: OTHER_SECRET, execution: EXECUTION });
  await expect(otherSecret).rejects.toMatchObject({ name: 'UnsealError' });
  await expect(otherSecret).rejects.toThrow(/sealed for another secret or execution, or altered/);
  await expect(unseal(sealed, { secretArn: SECRET, execution: `${EXECUTION}-2` })).rejects.toMatchObject({ name: 'UnsealError' });
  // KMS was asked, each time, with the caller's own context: the refusal is KMS's, not a local comparison.
  expect(kms.mock.commandCalls(DecryptCommand).map((call) => call.args[0].input.EncryptionContext?.execution)).toEqual([EXECUTION, `${EXECUTION}-2`]);
});

test('a value that is not sealed is refused without asking KMS', async () => {
  await expect(unseal('session-token-1234', { secretArn: SECRET, execution: EXECUTION })).rejects.toThrow(/cannot unseal the device session data: it is not a sealed value/);
  expect(kms.mock.commandCalls(DecryptCommand)).toHaveLength(0);
});

test('an altered sealed value does not open', async () => {
  const sealed = await seal('session-token-1234', { secretArn: SECRET, execution: EXECUTION });
  const altered = `sealed:${Buffer.from('ciphertext-999').toString('base64')}`;
  expect(altered).not.toBe(sealed);
  await expect(unseal(altered, { secretArn: SECRET, execution: EXECUTION })).rejects.toMatchObject({ name: 'UnsealError' });
});

test('without SEAL_KEY_ID nothing is sealed, and the error says which setting is missing', async () => {
  delete process.env.SEAL_KEY_ID;
  await expect(seal('x-token', { secretArn: SECRET, execution: EXECUTION })).rejects.toThrow(/lacks SEAL_KEY_ID/);
  expect(kms.mock.commandCalls(EncryptCommand)).toHaveLength(0);
});

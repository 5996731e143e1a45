import { DecryptCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { type LocalAwsHarness, sdkError, startHarness } from './local-aws-harness';

const KEY_ID = '0b7c8f4e-1d2a-4c3b-9e8f-112233445566';
const KEY_ARN = `arn:aws:kms:us-east-1:000000000000:key/${KEY_ID}`;
const OTHER_KEY_ID = '7d0e5a1c-3b2f-4a6d-8c9e-aabbccddeeff';
const CONTEXT = { SecretARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:devices/r1-AbCdEf', purpose: 'history' };

let h: LocalAwsHarness;
beforeAll(async () => {
  h = await startHarness({ kmsKeys: [{ keyId: KEY_ID }, { keyId: OTHER_KEY_ID }] });
});
afterAll(() => h.stop());

const encrypt = (plaintext: string, keyId = KEY_ID, context: Record<string, string> | null = CONTEXT) =>
  h.clients.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(plaintext), EncryptionContext: context ?? undefined }));

describe('KMS stand-in', () => {
  test('round trip under the same context, whatever the key order; the blob does not contain the plaintext', async () => {
    const plaintext = 'Canary-Passw0rd-7f3a';
    const encrypted = await encrypt(plaintext);
    expect(encrypted.KeyId).toBe(KEY_ARN);
    const blob = Buffer.from(encrypted.CiphertextBlob!);
    expect(blob.includes(Buffer.from(plaintext))).toBe(false);
    expect(blob.toString('base64')).not.toContain(Buffer.from(plaintext).toString('base64'));

    const reordered = { purpose: CONTEXT.purpose, SecretARN: CONTEXT.SecretARN };
    const decrypted = await h.clients.kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: reordered }));
    expect(Buffer.from(decrypted.Plaintext!).toString()).toBe(plaintext);
    expect(decrypted.KeyId).toBe(KEY_ARN);
  });

  test('the key is found by id or ARN; encryptions differ each time', async () => {
    const blobs = await Promise.all([KEY_ID, KEY_ARN, `key/${KEY_ID}`].map((id) => encrypt('same', id)));
    expect(new Set(blobs.map((b) => b.KeyId))).toEqual(new Set([KEY_ARN]));
    expect(new Set(blobs.map((b) => Buffer.from(b.CiphertextBlob!).toString('base64'))).size).toBe(3);
  });

  test('a different or missing encryption context, or a tampered blob, is refused', async () => {
    const blob = Buffer.from((await encrypt('secret')).CiphertextBlob!);
    const attempts = [
      { CiphertextBlob: blob, EncryptionContext: { ...CONTEXT, purpose: 'other' } },
      { CiphertextBlob: blob },
      { CiphertextBlob: Buffer.concat([blob.subarray(0, -1), Buffer.from([blob[blob.length - 1] ^ 1])]), EncryptionContext: CONTEXT },
      { CiphertextBlob: Buffer.from('not a blob'), EncryptionContext: CONTEXT },
    ];
    for (const input of attempts) {
      expect((await sdkError(h.clients.kms.send(new DecryptCommand(input)))).name).toBe('InvalidCiphertextException');
    }
  });

  test('a blob is refused under another KeyId; unknown keys and aliases are not found', async () => {
    const blob = (await encrypt('x', OTHER_KEY_ID, null)).CiphertextBlob!;
    const wrongKey = await sdkError(h.clients.kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: KEY_ID })));
    expect(wrongKey.name).toBe('IncorrectKeyException');
    const decrypted = await h.clients.kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: OTHER_KEY_ID }));
    expect(Buffer.from(decrypted.Plaintext!).toString()).toBe('x');

    expect((await sdkError(encrypt('x', 'alias/missing'))).name).toBe('NotFoundException');
    expect((await sdkError(encrypt('x', '00000000-0000-4000-8000-000000000000'))).name).toBe('NotFoundException');
  });
});

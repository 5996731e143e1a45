import { DecryptCommand, EncryptCommand, InvalidCiphertextException, KMSClient } from '@aws-sdk/client-kms';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';

/**
 * KMS for unit tests, through aws-sdk-client-mock: Encrypt binds the plaintext to the key and the encryption context
 * as KMS does, and Decrypt opens it only with the same key and the same context (else `InvalidCiphertextException`,
 * what KMS answers). The "ciphertext" is an opaque token into a table, so nothing of the plaintext is in it.
 */
export type KmsMock = AwsClientStub<KMSClient>;

export class FakeKms {
  private readonly sealed = new Map<string, { keyId: string; context: string; plaintext: Uint8Array }>();

  constructor(readonly mock: KmsMock) {}

  reset(): void {
    this.sealed.clear();
    this.mock.reset();
    this.mock.on(EncryptCommand).callsFake(async (input) => {
      const id = `ciphertext-${this.sealed.size + 1}`;
      this.sealed.set(id, { keyId: String(input.KeyId), context: contextKey(input.EncryptionContext), plaintext: new Uint8Array(input.Plaintext as Uint8Array) });
      return { CiphertextBlob: new Uint8Array(Buffer.from(id, 'utf8')), KeyId: input.KeyId };
    });
    this.mock.on(DecryptCommand).callsFake(async (input) => {
      const entry = this.sealed.get(Buffer.from(input.CiphertextBlob as Uint8Array).toString('utf8'));
      if (entry === undefined || entry.context !== contextKey(input.EncryptionContext) || (input.KeyId !== undefined && input.KeyId !== entry.keyId)) {
        throw new InvalidCiphertextException({ message: 'The ciphertext refers to a customer master key that does not exist, or the context differs', $metadata: {} });
      }
      return { Plaintext: entry.plaintext, KeyId: entry.keyId };
    });
  }
}

function contextKey(context: Record<string, string> | undefined): string {
  return JSON.stringify(Object.entries(context ?? {}).sort(([a], [b]) => a.localeCompare(b)));
}

/** Mocks every KMSClient for this test file. Call at the top level; `reset()` in `beforeEach`. */
export function fakeKms(): FakeKms {
  return new FakeKms(mockClient(KMSClient));
}

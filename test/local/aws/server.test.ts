import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type LocalAwsHarness, startHarness } from './local-aws-harness';

const KEY_ID = '5c3e2d1a-9b8f-4e7d-a6c5-0123456789ab';
let h: LocalAwsHarness;
beforeAll(async () => {
  h = await startHarness({ kmsKeys: [{ keyId: KEY_ID }] });
});
afterAll(() => h.stop());

const post = (target: string, body: string) =>
  fetch(`${h.aws.url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    body,
  });

describe('local AWS endpoint', () => {
  test('an unknown target or operation is UnknownOperationException; a broken body SerializationException', async () => {
    for (const target of ['nosuchservice.DoThing', 'secretsmanager.DeleteSecret', 'secretsmanager.CancelRotateSecret', 'TrentService.CreateKey', '']) {
      const response = await post(target, '{}');
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
      expect(((await response.json()) as { __type: string }).__type).toBe('UnknownOperationException');
    }
    const broken = await post('secretsmanager.DescribeSecret', '{not json');
    expect(((await broken.json()) as { __type: string }).__type).toBe('SerializationException');
  });

  test('endpointEnv() points SDK clients configured from the environment alone at the stand-ins', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, h.aws.endpointEnv());
    try {
      const sm = new SecretsManagerClient({});
      const kms = new KMSClient({});
      await sm.send(new CreateSecretCommand({ Name: 'env/check', SecretString: 'v' }));
      expect((await sm.send(new GetSecretValueCommand({ SecretId: 'env/check' }))).SecretString).toBe('v');
      const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: KEY_ID, Plaintext: Buffer.from('v') }));
      expect(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob }))).Plaintext!).toString()).toBe('v');
      sm.destroy();
      kms.destroy();
    } finally {
      process.env = saved;
    }
    expect(h.aws.endpointEnv()).toMatchObject({
      AWS_ENDPOINT_URL_SECRETS_MANAGER: h.aws.url,
      AWS_ENDPOINT_URL_KMS: h.aws.url,
      AWS_ENDPOINT_URL_SFN: h.aws.url,
      AWS_ENDPOINT_URL_LAMBDA: h.aws.url,
      AWS_REGION: 'us-east-1',
    });
  });
});

import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { Callback, Context } from 'aws-lambda';
import { type LocalAwsHarness, sdkError, startHarness } from './local-aws-harness';

let h: LocalAwsHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const payloadOf = (bytes: Uint8Array | undefined) => JSON.parse(Buffer.from(bytes!).toString('utf8')) as unknown;

class DeviceUnreachableError extends Error {
  override readonly name = 'DeviceUnreachableError';
}

describe('LocalLambda over HTTP', () => {
  test('a successful invocation returns the JSON result; the handler gets a Lambda-like context', async () => {
    let seen: Context | undefined;
    let remaining = 0;
    const arn = h.lambda.register(
      'echo',
      async (event: { n: number }, context) => {
        seen = context;
        remaining = context.getRemainingTimeInMillis();
        return { doubled: event.n * 2 };
      },
      { timeoutMs: 5_000 },
    );
    const result = await h.clients.lambda.send(new InvokeCommand({ FunctionName: arn, Payload: JSON.stringify({ n: 21 }) }));
    expect(result.StatusCode).toBe(200);
    expect(result.FunctionError).toBeUndefined();
    expect(payloadOf(result.Payload)).toEqual({ doubled: 42 });
    expect(seen).toMatchObject({
      functionName: 'echo',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:echo',
      memoryLimitInMB: '256',
      logGroupName: '/aws/lambda/echo',
    });
    expect(seen!.awsRequestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(seen!.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(remaining).toBeGreaterThan(4_000);
    expect(remaining).toBeLessThanOrEqual(5_000);
  });

  test('a thrown error is a function error: the SDK sees FunctionError and the runtime error payload', async () => {
    h.lambda.register('fails', async () => {
      throw new DeviceUnreachableError('router-1: no answer within 5000 ms');
    });
    const result = await h.clients.lambda.send(new InvokeCommand({ FunctionName: 'fails', Payload: '{}' }));
    expect(result.StatusCode).toBe(200);
    expect(result.FunctionError).toBe('Unhandled');
    const payload = payloadOf(result.Payload) as { errorType: string; errorMessage: string; trace: string[] };
    expect(payload.errorType).toBe('DeviceUnreachableError');
    expect(payload.errorMessage).toBe('router-1: no answer within 5000 ms');
    expect(payload.trace[0]).toBe('DeviceUnreachableError: router-1: no answer within 5000 ms');
  });

  test('a handler running past its timeout is reported as the runtime reports it', async () => {
    let release: () => void = () => undefined;
    h.lambda.register('slow', () => new Promise<void>((resolve) => (release = resolve)), { timeoutMs: 50 });
    const result = await h.clients.lambda.send(new InvokeCommand({ FunctionName: 'slow' }));
    release();
    expect(result.FunctionError).toBe('Unhandled');
    const payload = payloadOf(result.Payload) as { errorType: string; errorMessage: string };
    expect(payload.errorType).toBe('Sandbox.Timedout');
    expect(payload.errorMessage).toMatch(/^RequestId: [0-9a-f-]{36} Error: Task timed out after 0\.05 seconds$/);
  });

  test('an unknown function is ResourceNotFoundException (404)', async () => {
    const error = await sdkError(h.clients.lambda.send(new InvokeCommand({ FunctionName: 'missing' })));
    expect(error.name).toBe('ResourceNotFoundException');
    expect(error.message).toBe('Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing');
    expect(error.$metadata?.httpStatusCode).toBe(404);
  });
});

describe('LocalLambda in-process', () => {
  test('callback-style handlers, thrown non-errors, and a result passed through JSON', async () => {
    h.lambda.register('callback', (event: { v: string }, _context: Context, callback: Callback) => {
      setImmediate(() => callback(null, { v: event.v, when: new Date(0) }));
    });
    expect(await h.lambda.invoke('callback', { v: 'x' })).toEqual({ ok: true, payload: { v: 'x', when: '1970-01-01T00:00:00.000Z' } });

    h.lambda.register('throws-string', async () => {
      throw 'plain string';
    });
    expect(await h.lambda.invoke('throws-string', {})).toEqual({ ok: false, errorType: 'string', errorMessage: 'plain string', trace: [] });
  });
});

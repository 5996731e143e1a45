/**
 * One local HTTP endpoint for the stand-ins, spoken to by the real AWS SDK v3 clients:
 * - AWS JSON 1.0/1.1: `POST /` with `X-Amz-Target: <prefix>.<Operation>`, to the service with that prefix;
 * - Lambda's REST Invoke: `POST /2015-03-31/functions/{name or ARN}/invocations`.
 * Requests are not authenticated (no SigV4 check): it listens on 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { AwsServiceError, type FunctionInvoker, type JsonService, LOCAL_REGION } from './protocol';
import type { Quotas } from './quotas';

export interface LocalAwsOptions {
  readonly services: readonly JsonService[];
  readonly lambda?: FunctionInvoker;
  /** API quotas (token buckets) applied to the JSON services' operations. Default: none (nothing is throttled). */
  readonly quotas?: Quotas;
}

export interface LocalAws {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  stop(): Promise<void>;
  /** Env vars pointing the SDK v3 clients (and anything reading the standard variables) at this endpoint. */
  endpointEnv(): Record<string, string>;
  /** API calls answered so far, by `<target prefix>.<operation>` (e.g. `secretsmanager.GetSecretValue`) or `lambda.Invoke`. */
  calls(): Record<string, number>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export async function startLocalAws(options: LocalAwsOptions): Promise<LocalAws> {
  const services = new Map(options.services.map((service) => [service.targetPrefix, service]));
  const calls = new Map<string, number>();
  const server = createServer((request, response) => {
    const target = request.headers['x-amz-target'];
    const name = typeof target === 'string' ? target : INVOKE_PATH.test((request.url ?? '').split('?')[0]) ? 'lambda.Invoke' : 'other';
    calls.set(name, (calls.get(name) ?? 0) + 1);
    void route(request, response, services, options.lambda, options.quotas);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections(); // the SDK keeps connections alive
      }),
    endpointEnv: () => ({
      AWS_ENDPOINT_URL_SECRETS_MANAGER: url,
      AWS_ENDPOINT_URL_KMS: url,
      AWS_ENDPOINT_URL_SFN: url,
      AWS_ENDPOINT_URL_LAMBDA: url,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: 'AKIALOCALSTANDIN0000',
      AWS_SECRET_ACCESS_KEY: 'local-stand-in-secret-access-key',
    }),
    calls: () => Object.fromEntries(calls),
  };
}

async function route(
  request: IncomingMessage,
  response: ServerResponse,
  services: ReadonlyMap<string, JsonService>,
  lambda: FunctionInvoker | undefined,
  quotas: Quotas | undefined,
): Promise<void> {
  response.setHeader('x-amzn-RequestId', randomUUID());
  try {
    const body = await readBody(request);
    const path = (request.url ?? '/').split('?')[0];
    const invoke = INVOKE_PATH.exec(path);
    if (request.method === 'POST' && invoke) {
      await invokeFunction(request, response, decodeURIComponent(invoke[1]), body, lambda);
    } else if (request.method === 'POST' && path === '/') {
      await callJsonService(request, response, services, body, quotas);
    } else {
      throw new AwsServiceError('UnknownOperationException', `No operation at ${request.method} ${path}`, 404);
    }
  } catch (error) {
    // Only reached before a service ran, or for the REST (Lambda) errors.
    const failure =
      error instanceof AwsServiceError ? error : new AwsServiceError('ServiceException', String(error), 500);
    response.statusCode = failure.httpStatus;
    response.setHeader('content-type', 'application/json');
    response.setHeader('x-amzn-ErrorType', failure.type);
    response.end(JSON.stringify({ Type: failure.httpStatus < 500 ? 'User' : 'Service', Message: failure.message }));
  }
}

async function callJsonService(
  request: IncomingMessage,
  response: ServerResponse,
  services: ReadonlyMap<string, JsonService>,
  body: Buffer,
  quotas: Quotas | undefined,
): Promise<void> {
  const contentType = String(request.headers['content-type'] ?? '');
  // SFN speaks JSON 1.0, Secrets Manager and KMS 1.1: answer in the caller's version.
  const json10 = contentType.startsWith('application/x-amz-json-1.0');
  response.setHeader('content-type', json10 ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1');
  let status = 200;
  let payload: unknown;
  try {
    const target = String(request.headers['x-amz-target'] ?? '');
    const dot = target.lastIndexOf('.');
    const service = services.get(target.slice(0, dot));
    if (dot < 0 || !service) throw new AwsServiceError('UnknownOperationException', '');
    if (quotas !== undefined && !quotas.admit(target)) throw new AwsServiceError('ThrottlingException', 'Rate exceeded');
    let input: unknown;
    try {
      input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      throw new AwsServiceError('SerializationException', 'The request body is not valid JSON.');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new AwsServiceError('SerializationException', 'The request body must be a JSON object.');
    }
    payload = (await service.handle(target.slice(dot + 1), input as Record<string, unknown>)) ?? {};
  } catch (error) {
    if (!(error instanceof AwsServiceError)) console.error('local AWS stand-in failed:', error);
    const failure =
      error instanceof AwsServiceError
        ? error
        : new AwsServiceError('InternalFailure', 'The request processing has failed because of an unknown error.', 500);
    status = failure.httpStatus;
    payload = failure.message ? { __type: failure.type, message: failure.message } : { __type: failure.type };
  }
  response.statusCode = status;
  response.end(JSON.stringify(payload));
}

async function invokeFunction(
  request: IncomingMessage,
  response: ServerResponse,
  functionName: string,
  body: Buffer,
  lambda: FunctionInvoker | undefined,
): Promise<void> {
  if (!lambda) throw new AwsServiceError('ResourceNotFoundException', `Function not found: ${functionName}`, 404);
  let event: unknown;
  try {
    event = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new AwsServiceError('InvalidRequestContentException', `Could not parse request body into json: ${String(error)}`, 400);
  }
  const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  if (invocationType !== 'RequestResponse') {
    throw new AwsServiceError(
      'InvalidParameterValueException',
      `InvocationType ${invocationType} is not supported by this local stand-in; use RequestResponse.`,
      400,
    );
  }
  const result = await lambda.invoke(functionName, event);
  response.setHeader('X-Amz-Executed-Version', '$LATEST');
  response.statusCode = 200;
  response.setHeader('content-type', 'application/json');
  if (result.ok) {
    response.end(JSON.stringify(result.payload ?? null));
    return;
  }
  response.setHeader('X-Amz-Function-Error', 'Unhandled');
  const { errorType, errorMessage, trace } = result;
  response.end(JSON.stringify(trace.length > 0 ? { errorType, errorMessage, trace } : { errorType, errorMessage }));
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

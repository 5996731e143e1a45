/**
 * Runs registered handlers in-process the way the Lambda Node.js runtime does: a Lambda-like context, the
 * event and result passed through JSON, a thrown error reported as the runtime reports it, and a timeout.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Callback, Context } from 'aws-lambda';
import { AwsServiceError, type FunctionInvoker, type InvocationResult, LOCAL_ACCOUNT, LOCAL_REGION } from './protocol';

/** An async `(event, context)` handler, or a callback-style one: any `Handler` from `aws-lambda`, or a middy handler. */
export type LocalHandler<E> = (event: E, context: Context, callback: Callback) => unknown;

export interface RegisterOptions {
  /** The function's timeout (default 60 s; Lambda's default is 3 s, its maximum 15 min). */
  readonly timeoutMs?: number;
}

interface LocalFunction {
  readonly name: string;
  readonly arn: string;
  readonly handler: LocalHandler<unknown>;
  readonly timeoutMs: number;
}

const FUNCTION_ARN_PREFIX = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:`;

export const functionArn = (name: string): string => `${FUNCTION_ARN_PREFIX}${name}`;

/** One invocation as Lambda would bill it: which function, for how long. */
export interface InvocationRecord {
  readonly functionName: string;
  readonly durationMs: number;
  readonly ok: boolean;
}

export class LocalLambda implements FunctionInvoker {
  private readonly functions = new Map<string, LocalFunction>();
  /** Every invocation so far, oldest first (what the benchmarks bill). */
  readonly invocations: InvocationRecord[] = [];

  /** Registers (or replaces) a function; returns its ARN. */
  register<E>(functionName: string, handler: LocalHandler<E>, options: RegisterOptions = {}): string {
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(functionName)) throw new Error(`Invalid Lambda function name: ${functionName}`);
    const arn = functionArn(functionName);
    this.functions.set(functionName, {
      name: functionName,
      arn,
      handler: handler as LocalFunction['handler'],
      timeoutMs: options.timeoutMs ?? 60_000,
    });
    return arn;
  }

  async invoke(functionNameOrArn: string, payload: unknown): Promise<InvocationResult> {
    const fn = this.lookup(functionNameOrArn);
    const requestId = randomUUID();
    const deadline = Date.now() + fn.timeoutMs;
    const context = lambdaContext(fn, requestId, deadline);
    // The runtime hands the handler a fresh parse of the payload, and the caller gets the serialized result.
    const event: unknown = JSON.parse(JSON.stringify(payload ?? {}));

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<InvocationResult>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            ok: false,
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${requestId} Error: Task timed out after ${(fn.timeoutMs / 1000).toFixed(2)} seconds`,
            trace: [],
          }),
        fn.timeoutMs,
      );
    });
    const started = performance.now();
    let ok = false;
    try {
      // On timeout the handler keeps running in the background: an in-process stand-in cannot freeze it.
      const result = await Promise.race([run(fn, event, context), timedOut]);
      ok = result.ok;
      return result;
    } finally {
      clearTimeout(timer);
      this.invocations.push({ functionName: fn.name, durationMs: performance.now() - started, ok });
    }
  }

  private lookup(functionNameOrArn: string): LocalFunction {
    let name = functionNameOrArn.startsWith(FUNCTION_ARN_PREFIX)
      ? functionNameOrArn.slice(FUNCTION_ARN_PREFIX.length)
      : functionNameOrArn;
    if (name.endsWith(':$LATEST')) name = name.slice(0, -':$LATEST'.length);
    const fn = this.functions.get(name);
    if (!fn) {
      throw new AwsServiceError('ResourceNotFoundException', `Function not found: ${functionArn(name)}`, 404);
    }
    return fn;
  }
}

async function run(fn: LocalFunction, event: unknown, context: Context): Promise<InvocationResult> {
  try {
    const result = await new Promise<unknown>((resolve, reject) => {
      const callback: Callback = (error, value) => (error ? reject(error) : resolve(value));
      const returned = fn.handler(event, context, callback);
      if (isThenable(returned)) returned.then(resolve, reject);
      // A synchronous two-argument handler: the runtime answers null when it returns.
      else if (fn.handler.length < 3) resolve(null);
    });
    return { ok: true, payload: JSON.parse(JSON.stringify(result ?? null)) as unknown };
  } catch (error) {
    return runtimeError(error);
  }
}

/** What the Node.js runtime puts in the error payload (`errorType` is the error's `name`). */
function runtimeError(error: unknown): InvocationResult {
  if (error instanceof Error) {
    return { ok: false, errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
  }
  return { ok: false, errorType: typeof error, errorMessage: String(error), trace: [] };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}

function lambdaContext(fn: LocalFunction, requestId: string, deadline: number): Context {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  const legacy = () => {
    throw new Error('context.done/succeed/fail are not supported by the local Lambda: return or throw instead');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: legacy,
    fail: legacy,
    succeed: legacy,
  };
}

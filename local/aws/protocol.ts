/**
 * The contract between the local AWS stand-ins and the one HTTP endpoint that serves them (`server.ts`).
 * Services speak AWS's JSON 1.1 protocol: `POST /` with `X-Amz-Target: <prefix>.<Operation>` and a JSON body.
 */

/** An error the real service would return, with its real name (`__type`): the SDK turns it into that exception. */
export class AwsServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export interface JsonService {
  /** `secretsmanager`, `TrentService` (KMS), `AWSStepFunctions`. */
  readonly targetPrefix: string;
  /** Runs one operation; throws `AwsServiceError` for what the real service rejects. */
  handle(operation: string, input: Record<string, unknown>): Promise<unknown>;
}

/** What a Lambda handler returns or throws, as the Lambda service reports it. */
export type InvocationResult =
  | { readonly ok: true; readonly payload: unknown }
  | { readonly ok: false; readonly errorType: string; readonly errorMessage: string; readonly trace: string[] };

/** Lambda's Invoke (RequestResponse), by function name or ARN. */
export interface FunctionInvoker {
  invoke(functionNameOrArn: string, payload: unknown): Promise<InvocationResult>;
}

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';

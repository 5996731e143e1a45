import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { retryConfig } from '../lambda/aws/cached-client';

/** The settings the construct gives the rotation function (infra/device-password-rotator.ts), as far as the CLI needs them. */
export interface RotationFunctionSettings {
  readonly ledgerTable?: string;
  readonly rotationStateMachineArn?: string;
}

/**
 * Reads a rotation function's environment (`lambda:GetFunctionConfiguration`): which ledger it writes and which
 * state machine it starts, to tell a secret of this deployment from another's when the stack outputs do not say.
 */
export async function rotationFunctionSettings(functionArn: string): Promise<RotationFunctionSettings> {
  const client = new LambdaClient(retryConfig());
  try {
    const answer = await client.send(new GetFunctionConfigurationCommand({ FunctionName: functionArn }));
    const variables = answer.Environment?.Variables ?? {};
    return { ledgerTable: variables.LEDGER_TABLE, rotationStateMachineArn: variables.STATE_MACHINE_ARN };
  } finally {
    client.destroy();
  }
}

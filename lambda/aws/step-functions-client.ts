import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { cachedClient, retryConfig } from './cached-client';

export const stepFunctions = cachedClient('AWS_ENDPOINT_URL_SFN', () => new SFNClient(retryConfig()));

/**
 * The state an ended execution was in when it ended (the last state it entered), from its history; undefined if
 * the history cannot be read. Used to name the failed state in errors and notifications.
 */
export async function lastStateEntered(executionArn: string): Promise<string | undefined> {
  try {
    const history = await stepFunctions().send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 100 }));
    return history.events?.find((event) => event.stateEnteredEventDetails?.name !== undefined)?.stateEnteredEventDetails?.name;
  } catch {
    return undefined;
  }
}

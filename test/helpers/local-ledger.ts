import { DeviceLedger, type DeviceLedgerOptions } from '../../lambda/ledger/device-ledger';
import { createTableInput, type LocalDynamoDb, startLocalDynamoDb } from '../../local/aws/dynamodb';

/**
 * The real device ledger against dynalite (a DynamoDB implementation in Node), for unit tests: one dynalite per test
 * file, a fresh table per `fresh()`. Sets the DynamoDB endpoint, a region and dummy credentials in process.env for the
 * file, and restores the environment after it. Do not `mockClient(DynamoDBClient)` in a file that uses it.
 * Call at the top level of the file.
 */
export interface LocalLedger {
  /** A ledger on a new, empty table. */
  fresh(options?: Partial<DeviceLedgerOptions>): Promise<DeviceLedger>;
}

export function useLocalLedger(): LocalLedger {
  let dynamo: LocalDynamoDb | undefined;
  let tables = 0;
  const saved = { ...process.env };
  beforeAll(async () => {
    dynamo = await startLocalDynamoDb();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIALOCALUNITTEST000',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
  });
  afterAll(async () => {
    await dynamo?.stop();
    process.env = saved;
  });
  return {
    async fresh(options = {}) {
      if (dynamo === undefined) throw new Error('useLocalLedger(): call fresh() from a test or a beforeEach');
      tables += 1;
      const tableName = `ledger-${tables}`;
      await dynamo.createTable(
        createTableInput(tableName, {
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        }),
      );
      return new DeviceLedger({ tableName, inFlightWaitMs: 0, ...options });
    },
  };
}

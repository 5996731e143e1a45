import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { LOCAL_REGION } from './protocol';

/**
 * DynamoDB on this machine: dynalite, a maintained implementation of the DynamoDB API in Node (in memory, with
 * conditional writes and strongly consistent reads as DynamoDB has them), not a stand-in of our own.
 */
export interface LocalDynamoDb {
  readonly url: string;
  createTable(input: CreateTableCommandInput): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalDynamoDb(): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint: url, region: LOCAL_REGION, credentials: { accessKeyId: 'AKIALOCALSTANDIN0000', secretAccessKey: 'local' } });
  return {
    url,
    async createTable(input) {
      await client.send(new CreateTableCommand(input));
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        client.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections?.();
      }),
  };
}

/** The CreateTable request for a synthesized `AWS::DynamoDB::Table` (its key schema and attribute definitions). */
export function createTableInput(tableName: string, properties: Record<string, unknown>): CreateTableCommandInput {
  return {
    TableName: tableName,
    KeySchema: properties.KeySchema as CreateTableCommandInput['KeySchema'],
    AttributeDefinitions: properties.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
    BillingMode: 'PAY_PER_REQUEST',
  };
}

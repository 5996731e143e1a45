import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { cachedClient, retryConfig } from './cached-client';

export const dynamoDb = cachedClient('AWS_ENDPOINT_URL_DYNAMODB', () => new DynamoDBClient(retryConfig()));

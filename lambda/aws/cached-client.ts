/**
 * An SDK client made on first use and reused across invocations, as Lambda wants. It is made again if its endpoint
 * setting (`endpointVariable`, else `AWS_ENDPOINT_URL`) changes: only the local stand-ins do that, between runs.
 *
 * Each client has a module of its own (`kms-client.ts`, …) so that a function's bundle requires only the SDK packages
 * it calls: loading an unused one still costs cold-start time.
 */
export function cachedClient<T>(endpointVariable: string, make: () => T): () => T {
  let client: T | undefined;
  let madeFor: string | undefined;
  return () => {
    const endpoint = process.env[endpointVariable] ?? process.env.AWS_ENDPOINT_URL;
    if (client === undefined || endpoint !== madeFor) {
      client = make();
      madeFor = endpoint;
    }
    return client;
  };
}

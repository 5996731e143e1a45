import type { Context } from 'aws-lambda';
import { VENDORS } from '../../lambda/device/types';

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * The production handler behind each `FUNCTION_KIND`, loaded on first use as Lambda would load its bundle. The local
 * runner calls these unmodified; only the AWS endpoints they reach differ.
 */
const LOADERS: Record<string, () => Promise<LambdaHandler>> = {
  rotation: async () => (await import('../../lambda/handlers/rotation')).handler as LambdaHandler,
  'device:multitech-mpower': async () => (await import('../../lambda/handlers/device/multitech-mpower')).handler as LambdaHandler,
  'device:wso2-emm': async () => (await import('../../lambda/handlers/device/wso2-emm')).handler as LambdaHandler,
  'device:oracle-sdwan-edge': async () => (await import('../../lambda/handlers/device/oracle-sdwan-edge')).handler as LambdaHandler,
  'device:oracle-unified-assurance': async () => (await import('../../lambda/handlers/device/oracle-unified-assurance')).handler as LambdaHandler,
};

export const FUNCTION_KINDS = ['rotation', ...VENDORS.map((vendor) => `device:${vendor}`)];

export async function handlerFor(kind: string): Promise<LambdaHandler> {
  const load = LOADERS[kind];
  if (load === undefined) throw new Error(`no local handler for FUNCTION_KIND "${kind}"`);
  return load();
}

import * as path from 'node:path';
import type { Context } from 'aws-lambda';
import { vendorModule, vendorModules } from '../../lambda/vendors';

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * The production handler behind each `FUNCTION_KIND`, loaded on first use as Lambda would load its bundle: the
 * rotation function's, or a vendor's device function (`VendorModule.handlerEntry`). The local runner calls these
 * unmodified; only the AWS endpoints they reach differ.
 */
export async function handlerFor(kind: string): Promise<LambdaHandler> {
  if (kind === 'rotation') return (await import('../../lambda/handlers/rotation')).handler as LambdaHandler;
  if (kind === 'enrollment') return (await import('../../lambda/handlers/enrollment')).handler as LambdaHandler;
  if (kind === 'heartbeat') return (await import('../../lambda/handlers/heartbeat')).handler as LambdaHandler;
  if (kind === 'notifier') return (await import('../../lambda/handlers/notifications')).handler as LambdaHandler;
  if (kind === 'pending-scan') return (await import('../../lambda/handlers/notifications-pending-scan')).handler as LambdaHandler;
  if (!kind.startsWith('device:')) throw new Error(`no local handler for FUNCTION_KIND "${kind}"`);
  const entry = vendorModule(kind.slice('device:'.length)).handlerEntry;
  return ((await import(path.join(ROOT, entry))) as { handler: LambdaHandler }).handler;
}

export function functionKinds(): string[] {
  return ['rotation', ...vendorModules().map((module) => `device:${module.id}`)];
}

import { changeInput, type ClientFactory, type DeviceTaskSettings, DeviceTasks, resetInput, verifyInput } from '../../rotation/device-tasks';
import { parseInput } from '../../rotation/task-input';
import { ledgerFromEnv } from '../../ledger/ledger-env';
import { heartbeat, heartbeatInput } from '../../heartbeat/heartbeat-task';
import { abandonLocateInput, locateForAbandon } from '../../rotation/abandon';
import type { ClientOptions, DeviceClient, DeviceEndpoint } from '../../device/types';
import { type DeviceSecret, endpointOf } from '../../secret/device-secret';
import { logger, type Operation, operationHandler } from '../task-handler';

/** What a device function reads from its environment (set by the construct): the ledger table and the privileged secrets. */
export const deviceTaskSettings: DeviceTaskSettings = {
  ledger: ledgerFromEnv,
  privilegedSecrets: () => privilegedSecretsFromEnv(),
  privilegedTagKey: () => process.env.PRIVILEGED_TAG_KEY || undefined,
};

/** `PRIVILEGED_SECRETS`: a JSON array of secret ARNs (or partial ARNs) configured as privileged accounts. */
export function privilegedSecretsFromEnv(): readonly string[] {
  const raw = process.env.PRIVILEGED_SECRETS;
  if (raw === undefined || raw === '') return [];
  const parsed = JSON.parse(raw) as unknown;
  return Array.isArray(parsed) ? parsed.filter((entry): entry is string => typeof entry === 'string') : [];
}

/** The operations every vendor's device function serves, plus any of its own. */
export function deviceOperations(clientFor: ClientFactory, settings: DeviceTaskSettings = deviceTaskSettings): Record<string, Operation> {
  const tasks = new DeviceTasks(clientFor, settings);
  return {
    change: (input) => tasks.change(parseInput(changeInput, input, 'change input')),
    verify: (input) => tasks.verify(parseInput(verifyInput, input, 'verify input')),
    reset: (input) => tasks.reset(parseInput(resetInput, input, 'reset input')),
    heartbeat: (input) => heartbeat(tasks, settings.ledger(), parseInput(heartbeatInput, input, 'heartbeat input')),
    'abandon-locate': (input) => locateForAbandon(tasks, clientFor, parseInput(abandonLocateInput, input, 'abandon-locate input')),
  };
}

export function deviceHandler(clientFor: ClientFactory, extra: Record<string, Operation> = {}) {
  return operationHandler({ ...deviceOperations(clientFor), ...extra });
}

/** What a vendor's client module exports (`VendorModule.clientModule`). */
export type CreateClient<C extends DeviceClient = DeviceClient> = (endpoint: DeviceEndpoint, options?: ClientOptions, secret?: DeviceSecret) => C;

/** A device client made from a validated secret, with the function's request deadline and logger. */
export function clientFromSecret<C extends DeviceClient>(createClient: CreateClient<C>): (secret: DeviceSecret) => C {
  return (secret) => createClient(endpointOf(secret, requestTimeoutMs()), { logger }, secret);
}

/** The device function of a vendor whose device work is one change task (`work: 'session-change'`). */
export function sessionChangeHandler(createClient: CreateClient) {
  return deviceHandler(clientFromSecret(createClient));
}

/** The deadline of one device request, from the function's environment (default: the device layer's, 10 s). */
export function requestTimeoutMs(): number | undefined {
  const value = Number(process.env.DEVICE_REQUEST_TIMEOUT_MS);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

import { changeInput, type ClientFactory, type DeviceTaskSettings, DeviceTasks, resetInput, verifyInput } from '../../rotation/device-tasks';
import { parseInput } from '../../rotation/task-input';
import { ledgerFromEnv } from '../../ledger/ledger-env';
import { type Operation, operationHandler } from '../task-handler';

/** What a device function reads from its environment (set by the construct): the ledger table and the privileged secrets. */
export const deviceTaskSettings: DeviceTaskSettings = {
  ledger: ledgerFromEnv,
  privilegedSecrets: () => privilegedSecretsFromEnv(),
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
  };
}

export function deviceHandler(clientFor: ClientFactory, extra: Record<string, Operation> = {}) {
  return operationHandler({ ...deviceOperations(clientFor), ...extra });
}

/** The deadline of one device request, from the function's environment (default: the device layer's, 10 s). */
export function requestTimeoutMs(): number | undefined {
  const value = Number(process.env.DEVICE_REQUEST_TIMEOUT_MS);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

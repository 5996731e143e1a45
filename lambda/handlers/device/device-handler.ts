import { changeInput, type ClientFactory, DeviceTasks, resetInput, verifyInput } from '../../rotation/device-tasks';
import { parseInput } from '../../rotation/task-input';
import { type Operation, operationHandler } from '../task-handler';

/** The operations every vendor's device function serves, plus any of its own. */
export function deviceOperations(clientFor: ClientFactory): Record<string, Operation> {
  const tasks = new DeviceTasks(clientFor);
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

import { MPowerClient } from '../../device/vendors/mpower';
import { parseInput } from '../../rotation/task-input';
import { answerInput, loginInput, MPowerTasks, openInput } from '../../rotation/mpower-tasks';
import { endpointOf } from '../../secret/device-secret';
import type { DeviceSecret } from '../../secret/device-secret';
import { deviceHandler, deviceTaskSettings, requestTimeoutMs } from './device-handler';
import { logger } from '../task-handler';

const clientFor = (secret: DeviceSecret) => new MPowerClient(endpointOf(secret, requestTimeoutMs()), { logger });
const conversation = new MPowerTasks(clientFor, deviceTaskSettings);

/** The MultiTech mPower device function: the shared operations, plus the password conversation one step at a time. */
export const handler = deviceHandler(clientFor, {
  'mpower-login': (input) => conversation.login(parseInput(loginInput, input, 'mpower-login input')),
  'mpower-open': (input) => conversation.open(parseInput(openInput, input, 'mpower-open input')),
  'mpower-answer': (input) => conversation.answer(parseInput(answerInput, input, 'mpower-answer input')),
});

import { clientFromSecret, deviceHandler, deviceTaskSettings } from '../../handlers/device/device-handler';
import { parseInput } from '../../rotation/task-input';
import { createClient } from './client';
import { answerInput, loginInput, MPowerTasks, openInput } from './conversation-tasks';

const clientFor = clientFromSecret(createClient);
const conversation = new MPowerTasks(clientFor, deviceTaskSettings);

/** The MultiTech mPower device function: the shared operations, plus the password conversation one step at a time. */
export const handler = deviceHandler(clientFor, {
  'conversation-login': (input) => conversation.login(parseInput(loginInput, input, 'conversation-login input')),
  'conversation-open': (input) => conversation.open(parseInput(openInput, input, 'conversation-open input')),
  'conversation-answer': (input) => conversation.answer(parseInput(answerInput, input, 'conversation-answer input')),
});

import type { CommandModule } from '../context';
import { runConsoleAction } from '../console-action';

/** `abandon <secret>`: the console's "abandon" action. */
export const abandonCommand: CommandModule = (program, context) => {
  program
    .command('abandon')
    .summary('abandon a stuck rotation, safely')
    .description('Abandon a stuck rotation: find out (within budget) which stored version the device is on; finish the rotation if the pending one, remove AWSPENDING if the current one, otherwise leave everything and say so.')
    .argument('<secret>', 'the device secret: its name, partial ARN or ARN')
    .action((secret: string) => runConsoleAction(context, 'abandon', secret));
};

import type { CommandModule } from '../context';
import { runConsoleAction } from '../console-action';

/** `verify <secret>`: the console's "verify" action. */
export const verifyCommand: CommandModule = (program, context) => {
  program
    .command('verify')
    .summary('log in with AWSCURRENT, change nothing')
    .description('Log in with AWSCURRENT and change nothing (the login is charged to the account\'s failed-login budget like any other).')
    .argument('<secret>', 'the device secret: its name, partial ARN or ARN')
    .action((secret: string) => runConsoleAction(context, 'verify', secret));
};

import type { CommandModule } from '../context';
import { runConsoleAction } from '../console-action';

/** `rotate <secret>`: the console's "rotate" action. */
export const rotateCommand: CommandModule = (program, context) => {
  program
    .command('rotate')
    .summary('rotate now (resumes a pending rotation), following it live')
    .description('Rotate now, following the execution state by state: resumes the pending rotation if there is one (once its cause is fixed), otherwise starts one. Ends with AWSCURRENT on the new password, AWSPREVIOUS on the old.')
    .argument('<secret>', 'the device secret: its name, partial ARN or ARN')
    .action((secret: string) => runConsoleAction(context, 'rotate', secret));
};

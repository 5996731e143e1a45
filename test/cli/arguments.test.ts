import { Command } from 'commander';
import { COMMANDS, main } from '../../cli/main';
import { renderCsv, renderTable } from '../../cli/format';
import type { CliContext } from '../../cli/context';

/** Runs the CLI in-process and keeps what it wrote. */
async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const commandNames = (() => {
  const program = new Command();
  const context = { io: { out: () => undefined, err: () => undefined } } as unknown as CliContext;
  for (const register of COMMANDS) register(program, context);
  return program.commands.map((command) => command.name());
})();

describe('the operator CLI command line (no AWS, no engine)', () => {
  test('every command is listed by --help', async () => {
    const { code, out } = await cli('--help');
    expect(code).toBe(0);
    expect(commandNames).toEqual(expect.arrayContaining(['rotate', 'verify', 'abandon', 'status', 'report']));
    for (const name of commandNames) expect(out).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    expect(out).toContain('Exit codes: 0 success, 1 the action failed');
  });

  test.each(commandNames)('%s --help: its usage, arguments and the global options, exit 0', async (name) => {
    const { code, out } = await cli(name, '--help');
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^Usage: device-password-rotator ${name} \\[options\\]`, 'm'));
    expect(out).toContain('Global Options:');
    expect(out).toContain('--stack <name>');
    expect(out).toContain('--local');
  });

  test('bad arguments: a clear error and exit code 2', async () => {
    const missing = await cli('status');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("error: missing required argument 'secret'");

    const format = await cli('report', '--format', 'xml', '--local');
    expect(format.code).toBe(2);
    expect(format.err).toContain("argument 'xml' is invalid. Allowed choices are table, csv, json.");

    const unknown = await cli('rotat', 'network/edge-17');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("error: unknown command 'rotat'");

    const option = await cli('verify', 'network/edge-17', '--frobnicate');
    expect(option.code).toBe(2);
    expect(option.err).toContain("error: unknown option '--frobnicate'");

    const extra = await cli('verify', 'a', 'b');
    expect(extra.code).toBe(2);

    const nothing = await cli();
    expect(nothing.code).toBe(2);
    expect(nothing.err).toContain('Usage: device-password-rotator');
  });

  test('no deployment named: exit 2 saying how to name one', async () => {
    const { code, err } = await cli('verify', 'network/edge-17');
    expect(code).toBe(2);
    expect(err).toContain('which rotator? Pass --stack <stack name>, --console-state-machine-arn <arn>, or --local');
  });

  test('--local without a running local engine: exit 2 saying to start it', async () => {
    const { code, err } = await cli('report', '--local-file', '/nonexistent/engine.json');
    expect(code).toBe(2);
    expect(err).toContain('no local engine description at /nonexistent/engine.json');
    expect(err).toContain('npm run local');
  });

  test('a state machine that is not the console one is refused (exit 2)', async () => {
    const { code, err } = await cli('verify', 'x', '--console-state-machine-arn', 'arn:aws:states:eu-west-1:123456789012:stateMachine:DevicePasswordRotator');
    expect(code).toBe(2);
    expect(err).toContain('is not a console state machine ARN');
  });

  test('CSV quotes what needs quoting; the table aligns columns', () => {
    expect(renderCsv(['a', 'b'], [['x,y', 'say "hi"']])).toBe('a,b\r\n"x,y","say ""hi"""');
    expect(renderTable(['name', 'v'], [['long name', '1']]).split('\n')).toEqual(['name       v', '---------  -', 'long name  1']);
  });
});

import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { ensureFirstInLine, RotationInProgressError } from '../../../lambda/rotation/concurrency';
import { parseRotationExecutionName, rotationExecutionBase, secretTag } from '../../../lambda/rotation/execution-names';

const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:DevicePasswordRotator';
const SECRET = { arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:devices/gw-1-AbCdEf', name: 'devices/gw-1' };
const OTHER_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:devices/gw-2-GhIjKl';
const TOKEN = '0f3c1e2a-1b2c-4d5e-8f90-a1b2c3d4e5f6';

const arnOf = (name: string) => `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${name}`;
const at = (second: number) => new Date(Date.UTC(2026, 10, 23, 12, 0, second));
const running = (name: string, second: number) => ({ executionArn: arnOf(name), name, stateMachineArn: STATE_MACHINE, status: 'RUNNING' as const, startDate: at(second) });

const sfn = mockClient(SFNClient);
beforeEach(() => sfn.reset());
afterAll(() => sfn.restore());

describe('rotation execution names', () => {
  test('carry the purpose and a tag of the secret ARN, and parse back; console names do not parse', () => {
    const name = rotationExecutionBase('set', SECRET.arn, TOKEN);
    expect(name).toBe(`set-${secretTag(SECRET.arn)}-${TOKEN}`);
    expect(secretTag(SECRET.arn)).toMatch(/^[0-9a-f]{10}$/);
    expect(secretTag(SECRET.arn)).not.toBe(secretTag(OTHER_SECRET));
    expect(parseRotationExecutionName(`${name}-2`)).toEqual({ purpose: 'set', tag: secretTag(SECRET.arn) });
    // The names used before the tag (`set-<token>`) and console names are "other" executions, described as before.
    expect(parseRotationExecutionName(`set-${TOKEN}`)).toBeUndefined();
    expect(parseRotationExecutionName('rotate-now-by-ops')).toBeUndefined();
  });
});

describe('the concurrency guard', () => {
  const mine = rotationExecutionBase('set', SECRET.arn, TOKEN);

  test('learns from the names alone that earlier rotations of other secrets, and tests, do not conflict: nothing is described', async () => {
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        running(rotationExecutionBase('set', OTHER_SECRET, '11111111-1b2c-4d5e-8f90-a1b2c3d4e5f6'), 1),
        running(rotationExecutionBase('test', SECRET.arn, '22222222-1b2c-4d5e-8f90-a1b2c3d4e5f6'), 2),
        running(rotationExecutionBase('check', SECRET.arn, '33333333-1b2c-4d5e-8f90-a1b2c3d4e5f6'), 3),
        running(mine, 10),
      ],
    });
    await ensureFirstInLine({ stateMachineArn: STATE_MACHINE, executionArn: arnOf(mine), secret: SECRET });
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });

  test('an earlier "set" of the same secret is a conflict without describing it', async () => {
    const earlier = rotationExecutionBase('set', SECRET.arn, '44444444-1b2c-4d5e-8f90-a1b2c3d4e5f6');
    sfn.on(ListExecutionsCommand).resolves({ executions: [running(earlier, 1), running(mine, 10)] });
    const refusal = ensureFirstInLine({ stateMachineArn: STATE_MACHINE, executionArn: arnOf(mine), secret: SECRET });
    await expect(refusal).rejects.toBeInstanceOf(RotationInProgressError);
    await expect(refusal).rejects.toThrow(arnOf(earlier));
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });

  test('an earlier console execution is described: a "rotate" of the same secret conflicts', async () => {
    sfn.on(ListExecutionsCommand).resolves({ executions: [running('ops-rotate-now', 1), running(mine, 10)] });
    sfn.on(DescribeExecutionCommand).resolves({ input: JSON.stringify({ action: 'rotate', secretArn: SECRET.arn }) });
    await expect(ensureFirstInLine({ stateMachineArn: STATE_MACHINE, executionArn: arnOf(mine), secret: SECRET })).rejects.toBeInstanceOf(
      RotationInProgressError,
    );
    expect(sfn.commandCalls(DescribeExecutionCommand).map((call) => call.args[0].input.executionArn)).toEqual([arnOf('ops-rotate-now')]);
  });
});

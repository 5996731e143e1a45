import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { spreadSchedule } from '../../../lambda/enrollment/schedule-spread';
import { dispatchHeartbeats, type DispatchSettings } from '../../../lambda/heartbeat/dispatch';
import { heartbeatDue, heartbeatExecutionName, heartbeatSlot } from '../../../lambda/heartbeat/slots';
import { parseRotationExecutionName, secretTag } from '../../../lambda/rotation/execution-names';

const ROTATOR = 'arn:aws:lambda:us-east-1:123456789012:function:rotator';
const CONSOLE = 'arn:aws:states:us-east-1:123456789012:stateMachine:rotator-console';
const TAG = 'device-password-rotator:vendor';
const arn = (n: number) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:devices/gw-${n}-AbCdEf`;
const hourOf = (secretArn: string, day = '2026-12-01') => new Date(`${day}T${String(heartbeatSlot(secretArn, 1).hour).padStart(2, '0')}:00:07Z`);

const sm = mockClient(SecretsManagerClient);
const sfn = mockClient(SFNClient);
beforeEach(() => {
  sm.reset();
  sfn.reset();
});
afterAll(() => {
  sm.restore();
  sfn.restore();
});

const settings = (extra: Partial<DispatchSettings> = {}): DispatchSettings => ({
  consoleStateMachineArn: CONSOLE,
  everyDays: 1,
  explicitSecrets: [],
  tagKey: TAG,
  rotationFunctionArn: ROTATOR,
  throttledBackoffMs: [1, 1],
  ...extra,
});
const startedNames = () => sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name);

describe('the spread', () => {
  test('stable per secret; a fleet covers every hour of the day about evenly', () => {
    expect(heartbeatSlot(arn(1), 1)).toEqual(heartbeatSlot(arn(1), 1));
    const perHour = new Array<number>(24).fill(0);
    for (let n = 0; n < 2400; n += 1) perHour[heartbeatSlot(arn(n), 1).hour] += 1;
    expect(Math.min(...perHour)).toBeGreaterThan(60); // 100 per hour on average
    expect(Math.max(...perHour)).toBeLessThan(140);
  });

  test('12 hours away from the hour the enrollment spread gives the secret\'s rotation window', () => {
    for (let n = 0; n < 200; n += 1) {
      const rotationHour = Number(/^cron\(0 (\d+) /.exec(spreadSchedule(arn(n), 30).ScheduleExpression)?.[1]);
      expect((heartbeatSlot(arn(n), 1).hour - rotationHour + 24) % 24).toBe(12);
    }
  });

  test('every N days: due on exactly one day of each N-day cycle, at its hour only', () => {
    const secretArn = arn(7);
    const { hour } = heartbeatSlot(secretArn, 3);
    const dueDays: number[] = [];
    for (let day = 0; day < 9; day += 1) {
      for (let h = 0; h < 24; h += 1) {
        if (heartbeatDue(secretArn, new Date(Date.UTC(2026, 11, 1 + day, h, 30)), 3)) dueDays.push(day * 100 + h);
      }
    }
    expect(dueDays).toHaveLength(3);
    expect(dueDays.every((d) => d % 100 === hour)).toBe(true);
    expect(dueDays[1] - dueDays[0]).toBe(300);
  });

  test('one execution name per secret and UTC day, of the reserved shape for this secret', () => {
    const name = heartbeatExecutionName(arn(1), new Date('2026-12-01T05:59:00Z'));
    expect(name).toBe(`heartbeat-${secretTag(arn(1))}-2026-12-01`);
    expect(heartbeatExecutionName(arn(1), new Date('2026-12-01T23:00:00Z'))).toBe(name);
    expect(heartbeatExecutionName(arn(1), new Date('2026-12-02T00:00:00Z'))).not.toBe(name);
    expect(parseRotationExecutionName(name)).toEqual({ purpose: 'heartbeat', tag: secretTag(arn(1)) });
    expect(name.length).toBeLessThanOrEqual(80);
  });
});

describe('the dispatch', () => {
  test('starts the due secrets only: the listed ones and the tagged ones whose rotation this rotator runs', async () => {
    const target = arn(1);
    const at = hourOf(target);
    // Secrets due in the same hour as the target, whatever their kind.
    const sameHour = Array.from({ length: 400 }, (_, n) => arn(n + 2)).filter((a) => heartbeatDue(a, at, 1)).slice(0, 4);
    const [explicit, otherRotator, rotationOff, tagged] = sameHour;
    sm.on(ListSecretsCommand).resolvesOnce({
      SecretList: [
        { ARN: target, RotationEnabled: true, RotationLambdaARN: ROTATOR },
        { ARN: otherRotator, RotationEnabled: true, RotationLambdaARN: 'arn:aws:lambda:us-east-1:123456789012:function:another' },
        { ARN: rotationOff, RotationEnabled: false, RotationLambdaARN: ROTATOR },
      ],
      NextToken: 'page-2',
    }).resolvesOnce({ SecretList: [{ ARN: tagged, RotationEnabled: true, RotationLambdaARN: ROTATOR }, { ARN: arn(9999), RotationEnabled: true, RotationLambdaARN: ROTATOR }] });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: new Date() });
    const report = await dispatchHeartbeats(settings({ explicitSecrets: [explicit] }), at);
    const expected = [explicit, target, tagged, ...(heartbeatDue(arn(9999), at, 1) ? [arn(9999)] : [])];
    expect(report).toEqual({ enrolled: 2 + 2, due: expected.length, started: expected.length, alreadyStarted: 0 });
    expect(startedNames().sort()).toEqual(expected.map((a) => heartbeatExecutionName(a, at)).sort());
    const first = sfn.commandCalls(StartExecutionCommand).find((call) => call.args[0].input.name === heartbeatExecutionName(target, at));
    expect(first?.args[0].input).toEqual({ stateMachineArn: CONSOLE, name: heartbeatExecutionName(target, at), input: JSON.stringify({ action: 'heartbeat', secretArn: target }) });
    expect(sm.commandCalls(ListSecretsCommand)[0].args[0].input.Filters).toEqual([{ Key: 'tag-key', Values: [TAG] }]);
  });

  test('idempotent: a second dispatch of the same hour finds every execution started (ExecutionAlreadyExists is success)', async () => {
    const target = arn(1);
    const at = hourOf(target);
    sm.on(ListSecretsCommand).resolves({ SecretList: [{ ARN: target, RotationEnabled: true, RotationLambdaARN: ROTATOR }] });
    sfn.on(StartExecutionCommand).resolvesOnce({ executionArn: 'x', startDate: new Date() }).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    expect(await dispatchHeartbeats(settings(), at)).toMatchObject({ due: 1, started: 1, alreadyStarted: 0 });
    expect(await dispatchHeartbeats(settings(), new Date(at.getTime() + 40 * 60_000))).toMatchObject({ due: 1, started: 0, alreadyStarted: 1 });
    expect(new Set(startedNames())).toEqual(new Set([heartbeatExecutionName(target, at)]));
  });

  test('nothing due in another hour; no listing without enrollment by tag', async () => {
    const target = arn(1);
    const at = new Date(hourOf(target).getTime() + 3600_000);
    expect(await dispatchHeartbeats(settings({ tagKey: undefined, explicitSecrets: [target] }), at)).toEqual({ enrolled: 1, due: 0, started: 0, alreadyStarted: 0 });
    expect(sm.commandCalls(ListSecretsCommand)).toHaveLength(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('StartExecution throttled beyond the SDK retries: started again after a backoff; still throttled, AwsThrottledError once the others are started', async () => {
    const due = Array.from({ length: 300 }, (_, n) => arn(n)).filter((a) => heartbeatDue(a, hourOf(arn(1)), 1)).slice(0, 3);
    const at = hourOf(arn(1));
    const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} });
    sfn.on(StartExecutionCommand, { name: heartbeatExecutionName(due[0], at) }).rejectsOnce(throttled()).resolves({ executionArn: 'x', startDate: new Date() });
    sfn.on(StartExecutionCommand, { name: heartbeatExecutionName(due[1], at) }).resolves({ executionArn: 'y', startDate: new Date() });
    expect(await dispatchHeartbeats(settings({ tagKey: undefined, explicitSecrets: due.slice(0, 2) }), at)).toMatchObject({ due: 2, started: 2 });
    sfn.reset();
    sfn.on(StartExecutionCommand, { name: heartbeatExecutionName(due[2], at) }).rejects(throttled());
    sfn.on(StartExecutionCommand, { name: heartbeatExecutionName(due[0], at) }).resolves({ executionArn: 'x', startDate: new Date() });
    await expect(dispatchHeartbeats(settings({ tagKey: undefined, explicitSecrets: [due[0], due[2]] }), at)).rejects.toMatchObject({ name: 'AwsThrottledError' });
    expect(startedNames().filter((name) => name === heartbeatExecutionName(due[0], at))).toHaveLength(1);
    expect(startedNames().filter((name) => name === heartbeatExecutionName(due[2], at))).toHaveLength(3);
  });
});

import * as secretVersions from '../../lambda/aws/secret-versions';
import * as deviceErrors from '../../lambda/device/errors';
import { AccountLockedError, DeviceError, DeviceUnreachableError, type ErrorSite, PasswordRejectedError, SessionExpiredError } from '../../lambda/device/errors';
import { RotatorError, TaskFailedError } from '../../lambda/errors';
import { explain } from '../../lambda/handlers/task-handler';
import * as deviceLedger from '../../lambda/ledger/device-ledger';
import * as ledgerErrors from '../../lambda/ledger/errors';
import { AccountLockedByDeviceError, LoginBudgetExhaustedError } from '../../lambda/ledger/errors';
import * as deviceLease from '../../lambda/rotation/device-lease';
import { RotationInProgressError } from '../../lambda/rotation/device-lease';
import * as rotationErrors from '../../lambda/rotation/errors';
import { ChangeOutcomeUnknownError, DeviceOutOfSyncError, InvalidInputError, RotationStateError } from '../../lambda/rotation/errors';
import * as executions from '../../lambda/rotation/executions';
import { ExecutionFailedError, ExecutionStillRunningError } from '../../lambda/rotation/executions';
import * as deviceSecret from '../../lambda/secret/device-secret';
import { InvalidDeviceSecretError } from '../../lambda/secret/device-secret';
import { canaryPassword, errorText, expectNoSecrets } from '../helpers/canary';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:devices/edge-1-AbCdEf';
const account = { vendor: 'oracle-sdwan-edge', host: '10.1.2.3', port: 443, username: 'admin' } as const;
const site = (secrets: string[] = []): ErrorSite => ({ vendor: 'oracle-sdwan-edge', host: '10.1.2.3', port: 443, step: 'change-password', secrets });

/** Every error class the rotator's modules export, by export name. */
function exportedErrorClasses(): Array<[string, typeof RotatorError]> {
  const modules = [secretVersions, deviceErrors, deviceLedger, ledgerErrors, deviceLease, rotationErrors, executions, deviceSecret, { TaskFailedError }];
  const classes: Array<[string, typeof RotatorError]> = [];
  for (const module of modules) {
    for (const [key, value] of Object.entries(module)) {
      if (typeof value === 'function' && value.prototype instanceof RotatorError) classes.push([key, value as unknown as typeof RotatorError]);
    }
  }
  return classes;
}

describe('RotatorError', () => {
  test('every concrete error class declares its own errorName (the abstract DeviceError excepted)', () => {
    const classes = exportedErrorClasses();
    expect(classes.length).toBeGreaterThanOrEqual(25);
    const undeclared = classes.filter(([key, cls]) => key !== 'DeviceError' && !Object.prototype.hasOwnProperty.call(cls, 'errorName')).map(([key]) => key);
    expect(undeclared).toEqual([]);
    // The error types Step Functions matches are the exported names, but one: the ledger's lock is the device's type.
    const mismatched = classes.filter(([key, cls]) => key !== 'DeviceError' && cls.errorName !== key).map(([key, cls]) => `${key}: ${cls.errorName}`);
    expect(mismatched).toEqual(['AccountLockedByDeviceError: AccountLockedError']);
  });

  test('name comes from errorName, and is the same string as before the base class', () => {
    const samples: Array<[Error, string]> = [
      [new DeviceOutOfSyncError(ARN, 'the device', ['AWSCURRENT']), 'DeviceOutOfSyncError'],
      [new RotationStateError(ARN, 'rotation is not enabled'), 'RotationStateError'],
      [new InvalidInputError('task input', ['"token" is missing']), 'InvalidInputError'],
      [new LoginBudgetExhaustedError(ARN, account, { attempts: 5, windowSeconds: 60 }, 3, 0, 'a login', 0), 'LoginBudgetExhaustedError'],
      [new AccountLockedByDeviceError(ARN, account, 0), 'AccountLockedError'],
      [new RotationInProgressError(ARN, account, 'exec-1'), 'RotationInProgressError'],
      [new ExecutionStillRunningError(ARN, 'arn:aws:states:eu-west-1:123456789012:execution:sm:set-1'), 'ExecutionStillRunningError'],
      [new secretVersions.SecretNotFoundError(ARN, 'no such secret in Secrets Manager'), 'SecretNotFoundError'],
      [new InvalidDeviceSecretError(ARN, 'AWSCURRENT', ['host: is missing']), 'InvalidDeviceSecretError'],
      [new deviceLedger.LeaseHeldError('exec-1'), 'LeaseHeldError'],
      [new AccountLockedError(site()), 'AccountLockedError'],
      [new SessionExpiredError(site(), 'conversation'), 'SessionExpiredError'],
    ];
    for (const [error, name] of samples) {
      expect(error.name).toBe(name);
      expect(error.name).toBe((error.constructor as typeof RotatorError).errorName);
      expect(String(error)).toBe(`${name}: ${error.message}`);
    }
  });

  test('the secret ARN and the step are fields, not only words of the message', () => {
    const outOfSync = new DeviceOutOfSyncError(ARN, 'the device', []);
    expect(outOfSync.secretArn).toBe(ARN);
    expect(outOfSync.step).toBeUndefined();
    expect(outOfSync.message.startsWith(`Secret ${ARN}: `)).toBe(true);
    const invalid = new InvalidDeviceSecretError(ARN, 'AWSPENDING', ['port: must be an integer', 'host: is missing']);
    expect(invalid).toMatchObject({ secretArn: ARN, versionLabel: 'AWSPENDING', problems: ['port: must be an integer', 'host: is missing'] });
    expect(new secretVersions.SecretNotFoundError('devices/edge-1', 'gone').secretArn).toBe('devices/edge-1');
    const failed = new ExecutionFailedError(ARN, 'arn:aws:states:eu-west-1:1:execution:sm:set-x', 'Change password', 'DeviceOutOfSyncError', 'detail');
    expect(failed).toMatchObject({ secretArn: ARN, executionArn: 'arn:aws:states:eu-west-1:1:execution:sm:set-x', failedState: 'Change password', executionError: 'DeviceOutOfSyncError' });
    expect(new InvalidInputError('task input', ['x']).secretArn).toBeUndefined();
    // A device error knows its device step, not the secret.
    const device = new DeviceUnreachableError(site(), 'connection refused', false);
    expect(device.step).toBe('change-password');
    expect(device.secretArn).toBeUndefined();
  });

  test('atStep records the step once', () => {
    const error = new RotationStateError(ARN, 'token unknown');
    expect(error.atStep('setSecret')).toBe(error);
    expect(error.step).toBe('setSecret');
    error.atStep('testSecret');
    expect(error.step).toBe('setSecret');
    expect(new DeviceUnreachableError(site(), 'timed out', true).atStep('change').step).toBe('change-password');
  });

  test('toJSON is plain JSON: name, message, secretArn, step and the typed fields, never the stack or the cause', () => {
    const error = new LoginBudgetExhaustedError(ARN, account, { attempts: 5, windowSeconds: 60 }, 3, Date.UTC(2030, 0, 1), 'a login', 1).atStep('verify');
    const json = error.toJSON();
    expect(json).toEqual({
      name: 'LoginBudgetExhaustedError',
      message: error.message,
      secretArn: ARN,
      step: 'verify',
      account,
      model: { attempts: 5, windowSeconds: 60 },
      charged: 3,
      safeAt: Date.UTC(2030, 0, 1),
    });
    expect(JSON.parse(JSON.stringify(error))).toEqual(json);
    expect(json).not.toHaveProperty('stack');
    expect(new InvalidInputError('task input', ['x']).toJSON()).toEqual({ name: 'InvalidInputError', message: 'task input: x' });
    // A device error keeps its own JSON form.
    expect(Object.keys(new PasswordRejectedError(site(), 'policy').toJSON())).toEqual(['name', 'message', 'vendor', 'host', 'port', 'step', 'retryable']);
  });

  test('instanceof chains', () => {
    const device = new DeviceUnreachableError(site(), 'connection refused', false);
    for (const type of [DeviceUnreachableError, DeviceError, RotatorError, Error]) expect(device).toBeInstanceOf(type);
    const budget = new LoginBudgetExhaustedError(ARN, account, { attempts: 5, windowSeconds: 60 }, 3, 0, 'a login', 0);
    for (const type of [LoginBudgetExhaustedError, RotatorError, Error]) expect(budget).toBeInstanceOf(type);
    expect(budget).not.toBeInstanceOf(DeviceError);
    const locked = new AccountLockedByDeviceError(ARN, account, 0);
    expect(locked).toBeInstanceOf(RotatorError);
    expect(locked).not.toBeInstanceOf(AccountLockedError);
    for (const error of [
      new ChangeOutcomeUnknownError(ARN, device),
      new RotationInProgressError(ARN, account, 'exec-1'),
      new ExecutionStillRunningError(ARN, 'exec-1'),
      new InvalidDeviceSecretError(ARN, 'AWSCURRENT', []),
      new deviceLedger.LeaseHeldError('exec-1'),
    ]) {
      expect(error).toBeInstanceOf(RotatorError);
      expect(error).toBeInstanceOf(Error);
    }
  });
});

describe('explain', () => {
  test('an error that knows its secret is returned as is, its task recorded as its step', () => {
    const error = new DeviceOutOfSyncError(ARN, 'the device', ['AWSCURRENT']);
    const message = error.message;
    const explained = explain(error, ARN, 'setSecret');
    expect(explained).toBe(error);
    expect(explained.message).toBe(message);
    expect((explained as RotatorError).step).toBe('setSecret');
    const invalid = new InvalidDeviceSecretError(ARN, 'AWSCURRENT', ['host: is missing']);
    expect(explain(invalid, ARN, 'describe')).toBe(invalid);
    expect(invalid.message.startsWith('Device secret ')).toBe(true);
    // A step already known is kept.
    const stepped = new RotationStateError(ARN, 'token unknown').atStep('testSecret');
    expect((explain(stepped, ARN, 'finishSecret') as RotatorError).step).toBe('testSecret');
  });

  test('it is decided by type and fields, not by the message', () => {
    // Starts like an error that names its secret, but is a plain Error: explained.
    const plain = explain(new Error('Secret of the sauce: missing'), ARN, 'change');
    expect(plain).toBeInstanceOf(TaskFailedError);
    expect(plain.message).toBe(`Secret ${ARN}, task "change": Secret of the sauce: missing`);
    // An invalid input names no secret field: explained, whatever its message says.
    const input = explain(new InvalidInputError('task input', ['"token" is missing']), ARN, 'set');
    expect(input).toBeInstanceOf(TaskFailedError);
    expect(input.name).toBe('InvalidInputError');
    expect(input.message).toBe(`Secret ${ARN}, task "set": task input: "token" is missing`);
    // One that names its secret as a field is not.
    const named = new InvalidInputError(`Secret ${ARN}`, ['the conversation did not end'], ARN);
    expect(explain(named, ARN, 'answerPrompt')).toBe(named);
    expect(named.message).toBe(`Secret ${ARN}: the conversation did not end`);
  });

  test('a device error keeps its type (name), gains the secret and the task, and its facts in `detail`', () => {
    const original = new DeviceUnreachableError(site(), 'connection refused', false);
    const explained = explain(original, ARN, 'change');
    expect(explained).toBeInstanceOf(TaskFailedError);
    expect(explained).toBeInstanceOf(RotatorError);
    expect(explained.name).toBe('DeviceUnreachableError');
    expect(explained.message).toBe(`Secret ${ARN}, task "change": ${original.message}`);
    expect(explained).toMatchObject({ secretArn: ARN, step: 'change' });
    expect(explained.stack?.split('\n')[0]).toBe(`DeviceUnreachableError: ${explained.message}`);
    expect((explained as TaskFailedError).toJSON()).toEqual({
      name: 'DeviceUnreachableError',
      message: explained.message,
      secretArn: ARN,
      step: 'change',
      detail: original.toJSON(),
    });
    expect(explained.cause).toBeUndefined();
  });

  test('a failure that is not an Error, or without a secret', () => {
    const explained = explain('boom', undefined, '(none)');
    expect(explained.name).toBe('Error');
    expect(explained.message).toBe('Secret (none given), task "(none)": boom');
    expect((explained as RotatorError).secretArn).toBeUndefined();
    // A throttled AWS call takes the one name the workflow retries on, whatever its service calls it.
    const sdk = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    expect(explain(sdk, ARN, 'describe').name).toBe('AwsThrottledError');
    const other = Object.assign(new Error('no such thing'), { name: 'ResourceNotFoundException' });
    expect(explain(other, ARN, 'describe').name).toBe('ResourceNotFoundException');
  });

  test('no password reaches the explained error, its JSON form or its cause', () => {
    const secret = canaryPassword();
    const cause = new Error(`socket said ${secret}`);
    const original = new PasswordRejectedError(site([secret]), 'policy', { deviceMessage: `bad: ${secret}`, cause });
    const explained = explain(original, ARN, 'change');
    expectNoSecrets(errorText(explained), [secret]);
    expectNoSecrets(JSON.stringify(explained), [secret]);
  });
});

import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { DevicePasswordRotator } from '../../infra/device-password-rotator';
import { nagCheckedStack, secretArn } from './helpers';

test('synth', () => {
  const { stack } = nagCheckedStack();
  new DevicePasswordRotator(stack, 'Rotator', {
    secrets: [{ secret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'S', secretArn('network/router-1')), vendor: undefined as never }],
  });
  const t = Template.fromStack(stack);
  require('fs').writeFileSync('/tmp/mon/t.json', JSON.stringify(t.toJSON(), null, 1));
});

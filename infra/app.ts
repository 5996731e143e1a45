import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type LoadedConfig, loadRotatorConfig, type RotatorConfig } from './config';
import { RotatorStack } from './rotator-stack';

export const DEFAULT_STACK_NAME = 'DevicePasswordRotator';

export interface RotatorAppOptions extends AppProps {
  /** The configuration to use instead of loading one (tests). */
  readonly config?: RotatorConfig;
  /** Passed to the loader: environment variables (default `process.env`) and where `rotator.config.json` is looked for. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly rootDir?: string;
}

/**
 * The CDK app: one `RotatorStack` built from the configuration (see `config.ts`), checked by cdk-nag's
 * AwsSolutions pack. Any unacknowledged finding fails synthesis.
 */
export function createRotatorApp(options: RotatorAppOptions = {}): { app: App; stack: RotatorStack; loaded: LoadedConfig } {
  const { config: given, env, rootDir, ...appProps } = options;
  const app = new App(appProps);
  const loaded: LoadedConfig = given
    ? { config: given, source: 'given' }
    : loadRotatorConfig({ context: (key) => app.node.tryGetContext(key), env, rootDir });
  const config = loaded.config;

  const stack = new RotatorStack(app, 'DevicePasswordRotator', {
    stackName: config?.stackName ?? DEFAULT_STACK_NAME,
    description: 'Rotates device admin passwords kept in AWS Secrets Manager through a Step Functions workflow',
    env: config?.env,
    secrets: config?.secrets ?? [],
    schedule: config?.schedule,
    privilegedSecretArns: config?.privilegedSecretArns,
    vpc: config?.vpc,
    createVpcEndpoints: config?.createVpcEndpoints,
    encryptionKeyArn: config?.encryptionKeyArn,
    secretsKeyArn: config?.secretsKeyArn,
    enrollment: config?.enrollment,
    heartbeat: config?.heartbeat,
    monitoring: config?.monitoring,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, loaded };
}

if (require.main === module) {
  try {
    const { app, loaded } = createRotatorApp();
    // Counts only: no ARNs, no account ids in the output.
    const count = loaded.config?.secrets.length ?? 0;
    process.stderr.write(
      loaded.config
        ? `rotator: configuration from ${loaded.source}: ${count} secret${count === 1 ? '' : 's'} to rotate\n`
        : 'rotator: no rotator.config.json (nor context "rotator" or ROTATOR_CONFIG): synthesizing with no secrets to rotate; ' +
            'see rotator.config.example.json\n',
    );
    app.synth();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

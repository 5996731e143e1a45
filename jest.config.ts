import type { Config } from 'jest';

/** What both projects share. */
const common = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // Type checking is `npm run typecheck`; ts-jest only transpiles (isolatedModules), which keeps the run fast.
  // @middy/core is ESM-only: it is transpiled to CommonJS like our own code.
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: { allowJs: true } }] },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
} satisfies Config;

/**
 * `unit`: tests that start no engine, synthesize no CDK app and start no device simulator: the Lambda code through its
 * seams (mocked AWS clients, a fake device client, the device ledger on dynalite). Runs in seconds:
 * `npm run test:unit`. Everything else is `e2e`; `npm test` runs both.
 */
/** Measured: each file here runs in under 3 s (test/structure/ reads the source tree, it starts nothing). */
const UNIT_ROOTS = ['/test/lambda/', '/test/helpers/', '/test/structure/', '/test/cli/'];
/** Files under the unit roots that are not unit tests: they start device simulators or synthesize the CDK app. */
const SLOW_UNDER_UNIT_ROOTS = [
  '/test/lambda/device/vendors/', // each vendor client against its simulator
  '/test/lambda/device/tls\\.test\\.ts$', // a Unified Assurance simulator
  '/test/lambda/rotation/privileged-reset\\.test\\.ts$', // synthesizes the rotator
  '/test/cli/.*\\.engine\\.test\\.ts$', // the operator CLI against a local engine
];
const slow = SLOW_UNDER_UNIT_ROOTS.join('|');

const config: Config = {
  testTimeout: 20_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: UNIT_ROOTS.map((root) => `<rootDir>${root}**/*.test.ts`),
      testPathIgnorePatterns: ['/node_modules/', ...SLOW_UNDER_UNIT_ROOTS],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // Every test file is in exactly one project: e2e is whatever unit does not take.
      testPathIgnorePatterns: ['/node_modules/', `^(?!.*(?:${slow})).*(?:${UNIT_ROOTS.join('|')})`],
    },
  ],
};

export default config;

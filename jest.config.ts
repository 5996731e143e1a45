import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Type checking is `npm run typecheck`; ts-jest only transpiles, which keeps the run fast.
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  testTimeout: 20_000,
};

export default config;

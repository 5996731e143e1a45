#!/usr/bin/env node
// The `device-password-rotator` command: runs the CLI's TypeScript source through tsx (a dependency of this package),
// so that a clean clone works after `npm ci`, with no build step.
require('tsx/cjs');
require('./main.ts').run();

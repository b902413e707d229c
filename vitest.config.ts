import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The suite starts real servers (moto, fauxqs, the CloudFront emulator) on loopback: keep to the machine's 2 cores.
    maxWorkers: 2,
    // A passing run prints the summary only: a dot per test (not a line per file and slow test), and the console
    // output of a test only when it fails. Failures are reported in full either way.
    reporters: ['dot'],
    silent: 'passed-only',
  },
});

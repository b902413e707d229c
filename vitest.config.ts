import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The suite starts real servers (moto, fauxqs, the CloudFront emulator) on loopback: keep to the machine's 2 cores.
    maxWorkers: 2,
  },
});

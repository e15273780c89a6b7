import { defineConfig } from 'vitest/config';

// Three kinds of test, told apart by file name:
//   *.spec.ts      unit: fast, hermetic, no network beyond 127.0.0.1 servers the test starts itself
//   *.int.spec.ts  integration: real Redis / PostgreSQL / embedded TimescaleDB
//   *.e2e.spec.ts  end to end: the real pipeline against the venue simulators
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/**/*.spec.ts'],
          exclude: ['tests/**/*.int.spec.ts', 'tests/**/*.e2e.spec.ts', 'node_modules/**'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/**/*.int.spec.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/**/*.e2e.spec.ts'],
          testTimeout: 240_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

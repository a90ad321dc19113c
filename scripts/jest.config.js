/** Jest config for the TypeScript tooling (scripts/src), separate from the LWC jest run. */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }]
  },
  testTimeout: 60000,
  maxWorkers: 2
};

const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

/** Jest config for Lightning Web Components (sfdx-lwc-jest). The TypeScript tooling has its own: scripts/jest.config.js. */
module.exports = {
  ...jestConfig,
  modulePathIgnorePatterns: ['<rootDir>/.localdevserver', '<rootDir>/scripts', '<rootDir>/node_modules'],
  testPathIgnorePatterns: ['<rootDir>/node_modules', '<rootDir>/scripts'],
  setupFilesAfterEnv: ['<rootDir>/jest.setup.js']
};

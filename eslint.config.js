const lwcConfig = require('@salesforce/eslint-config-lwc');
const jestPlugin = require('eslint-plugin-jest');
const tseslint = require('typescript-eslint');
const globals = require('globals');

/** ESLint flat config: LWC rules for Lightning components, typescript-eslint (type-aware) for the tooling. */
module.exports = [
  {
    ignores: [
      'node_modules/**',
      'scripts/dist/**',
      'coverage/**',
      '.sf/**',
      '.sfdx/**',
      '.tmp/**',
      'reports/**',
      'artifacts/**',
      'docs/**',
      '**/staticresources/**'
    ]
  },
  ...lwcConfig.configs.recommended.map((config) => ({ ...config, files: ['force-app/**/lwc/**/*.js'] })),
  {
    files: ['force-app/**/lwc/**/__tests__/**/*.js', 'force-app/test/jest-mocks/**/*.js'],
    plugins: { jest: jestPlugin },
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: { ...jestPlugin.configs['flat/recommended'].rules, '@lwc/lwc/no-unexpected-wire-adapter-usages': 'off' }
  },
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: ['scripts/**/*.ts'] })),
  {
    files: ['scripts/**/*.ts'],
    languageOptions: {
      parserOptions: { project: ['./scripts/tsconfig.test.json'], tsconfigRootDir: __dirname }
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/require-await': 'off',
      'no-console': 'off'
    }
  },
  {
    files: ['*.js', 'scripts/**/*.js', 'scripts/**/*.mjs', '.ci/**/*.js'],
    languageOptions: { globals: { ...globals.node } }
  }
];

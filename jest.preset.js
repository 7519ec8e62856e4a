// Shared jest settings: TypeScript through ts-jest, workspace packages resolved to their sources
// so unit tests never depend on a stale build.
const path = require('node:path');

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.spec.json') }],
  },
  moduleNameMapper: {
    '^@flotilla/tools/fixtures$': path.join(__dirname, 'tools/src/fixtures/index.ts'),
    '^@flotilla/([a-z-]+)$': path.join(__dirname, 'packages/$1/src/index.ts'),
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['**/*.spec.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
};

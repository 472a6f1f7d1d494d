/** jest with @swc/jest: fast TypeScript transform; ESM-only packages (@noble) are transformed too. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  transform: {
    '^.+\\.[tj]s$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@noble|pure-rand)/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 120000,
  // Two test files at a time: on 2 cores jest would pick one worker and run the suite serially. The
  // long simulations (churn*, join, routing, …) are separate files so the two workers share them out.
  maxWorkers: 2,
};

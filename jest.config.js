/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }],
    // jose and entities ship ES modules only: Node requires them as they are, jest's loader
    // needs CommonJS.
    "/node_modules/(jose|entities)/.+\\.js$": [
      "ts-jest",
      { tsconfig: { allowJs: true, module: "commonjs", target: "ES2022" }, isolatedModules: true },
    ],
  },
  transformIgnorePatterns: ["/node_modules/(?!(jose|entities)/)"],
  globalSetup: "<rootDir>/tests/setup/globalSetup.ts",
  globalTeardown: "<rootDir>/tests/setup/globalTeardown.ts",
  testTimeout: 30000,
  maxWorkers: 2,
  reporters: ["default", "<rootDir>/tests/setup/summaryReporter.js"],
};

// Jest runs the TypeScript sources directly (SWC, native ESM); workspace packages resolve to
// their src/ so tests never need a build, except those that start services as processes.
const swc = ["@swc/jest", { jsc: { target: "es2022", parser: { syntax: "typescript" } }, module: { type: "es6" } }];

const common = {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  transform: { "^.+\\.ts$": swc },
  moduleNameMapper: {
    "^@gatehouse/([^/]+)$": ["<rootDir>/libs/$1/src/index.ts", "<rootDir>/tools/$1/src/index.ts"],
    "^@gatehouse/([^/]+)/(.+)$": "<rootDir>/libs/$1/src/$2.ts",
    "^(\\.{1,2}/.*)\\.js$": "$1",
  },
  modulePathIgnorePatterns: ["<rootDir>/.*/dist/"],
};

export default {
  testTimeout: 30_000,
  projects: [
    {
      ...common,
      displayName: "unit",
      testMatch: ["<rootDir>/{libs,services,tools}/*/src/**/*.test.ts", "<rootDir>/bench/src/**/*.test.ts"],
    },
    {
      ...common,
      displayName: "integration",
      testMatch: ["<rootDir>/{libs,services,tools}/*/test/**/*.test.ts", "<rootDir>/test/**/*.test.ts"],
      slowTestThreshold: 30,
    },
  ],
};

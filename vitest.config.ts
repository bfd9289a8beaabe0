import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: [
      // One graphql instance. graphql 16 has no "exports" map: Node resolves it to the CJS
      // index.js (what yoga, Pothos and graphql-ws get), while Vite, which transforms our
      // sources, would pick the "module" index.mjs. Two GraphQLError classes then exist and
      // yoga masks our BAD_USER_INPUT errors as "Unexpected error.". Production (tsx/node)
      // has one instance; this makes the tests match it.
      { find: /^graphql$/, replacement: "graphql/index.js" },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});

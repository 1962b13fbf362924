import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // GPU tests hold one Dawn device per file; forks keep native state isolated.
    pool: "forks",
    testTimeout: 30_000,
  },
});

import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // The package's own names resolve to the sources under test (tsconfig.json's `paths` say the same to tsc).
    alias: [
      { find: /^gnnc\/ir$/, replacement: here("./compiler/api/ir.ts") },
      { find: /^gnnc\/passes$/, replacement: here("./compiler/api/passes.ts") },
      { find: /^gnnc$/, replacement: here("./api/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    // GPU tests hold one Dawn device per file; forks keep native state isolated.
    pool: "forks",
    testTimeout: 30_000,
  },
});

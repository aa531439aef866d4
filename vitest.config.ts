import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", ".rafdir/**", ".tools/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // e2e suites each start their own sandbox; two cores are enough for two at a time.
    maxWorkers: 2,
    reporters: ["default"],
  },
});

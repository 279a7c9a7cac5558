// Test configuration. Grading tests import the code under test as `@target/NN-slug/file`;
// HUB_TARGET points that alias at solutions/ (the default, what `npm test` checks) or at a lab tree.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
// Read directly (not through tools/lib/manifest) so the config loads with no TypeScript imports of its own.
const manifest = JSON.parse(readFileSync(new URL("./course.json", import.meta.url), "utf8"));
const target = resolve(process.env.HUB_TARGET ?? "solutions");

export default defineConfig({
  resolve: { alias: [{ find: /^@target\//, replacement: `${target}/` }] },
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "test/fixtures/**"],
    testTimeout: manifest.limits.testMilliseconds,
    hookTimeout: manifest.limits.testMilliseconds,
    // Chosen explicitly: vitest otherwise picks reporters by environment.
    reporters: ["default", ["json", { outputFile: ".course/test-results.json" }]],
    // While grading, each test's result is written from inside the worker as soon as it is known.
    setupFiles: process.env.HUB_GRADE_EVENTS ? [fileURLToPath(new URL("./tools/grader/setup.ts", import.meta.url))] : [],
    globalSetup: [fileURLToPath(new URL("./tools/lib/test-banner.ts", import.meta.url))],
  },
});

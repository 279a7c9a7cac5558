// Test configuration. Grading tests import the code under test as `@target/NN-slug/file`;
// HUB_TARGET points that alias at solutions/ (the default, what `npm test` checks) or at a lab tree.
import { resolve } from "node:path";
import { defineConfig } from "vitest/config";
import { loadManifest } from "./tools/lib/manifest";

const manifest = loadManifest();
const target = resolve(process.env.HUB_TARGET ?? "solutions");

export default defineConfig({
  resolve: { alias: [{ find: /^@target\//, replacement: `${target}/` }] },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: manifest.limits.testMilliseconds,
    hookTimeout: manifest.limits.testMilliseconds,
    // Chosen explicitly: vitest otherwise picks reporters by environment.
    reporters: ["default", ["json", { outputFile: ".course/test-results.json" }]],
    globalSetup: ["tools/lib/test-banner.ts"],
  },
});

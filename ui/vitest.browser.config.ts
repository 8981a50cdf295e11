// The browser tests: the built UI over a fake backend in headless Chromium (playwright-core,
// the system's Chromium), run from Node. `npm run test:browser`.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/browser/**/*.spec.ts"],
    environment: "node",
    globalSetup: ["tests/browser/global-setup.ts"],
    // One browser at a time on a small machine.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});

import { fileURLToPath } from "node:url";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vitest/config";

/** A file beside this config. */
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  server: {
    host: "127.0.0.1",
    port: 5173,
    strictPort: true,
    // The Help window bundles the user guide from the repository's docs/.
    fs: { allow: [".", "../docs"] },
  },
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    // Two pages: the app's, and the one the server serves external guests at /join/TOKEN (its
    // assets under /assets, as the app's).
    rollupOptions: { input: { main: here("index.html"), guest: here("guest.html") } },
  },
  // Component tests mount the browser build of Svelte in jsdom.
  resolve: { conditions: ["browser"] },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    setupFiles: ["tests/setup.ts"],
  },
});

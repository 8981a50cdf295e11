// Builds the test page (and, to check it stays clean, the production bundle) into temporary
// folders, and serves the test page on a free port of 127.0.0.1 for the browser tests.
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    testBundle: string;
    productionBundle: string;
  }
}

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
};

async function bundle(input: string, outDir: string): Promise<void> {
  await build({
    configFile: join(root, "vite.config.ts"),
    root,
    logLevel: "warn",
    build: { outDir, emptyOutDir: true, rollupOptions: { input: join(root, input) } },
  });
}

function serve(dir: string): Promise<Server> {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    const file = join(dir, path);
    if (!file.startsWith(dir + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (!(await stat(file)).isFile()) throw new Error("not a file");
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
      res.end(await readFile(file));
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok(server));
  });
}

export default async function setup(project: TestProject) {
  const testBundle = await mkdtemp(join(tmpdir(), "confer-ui-test-"));
  const productionBundle = await mkdtemp(join(tmpdir(), "confer-ui-prod-"));
  let server: Server | null = null;
  const cleanup = async () => {
    if (server) {
      const s = server;
      s.closeAllConnections();
      await new Promise<void>((ok) => s.close(() => ok()));
    }
    await rm(testBundle, { recursive: true, force: true });
    await rm(productionBundle, { recursive: true, force: true });
  };
  try {
    await bundle("tests/browser/index.html", testBundle);
    await bundle("index.html", productionBundle);
    server = await serve(testBundle);
  } catch (e) {
    await cleanup();
    throw e;
  }
  const { port } = server.address() as AddressInfo;
  project.provide("baseUrl", `http://127.0.0.1:${port}/tests/browser/index.html`);
  project.provide("testBundle", testBundle);
  project.provide("productionBundle", productionBundle);
  return cleanup;
}

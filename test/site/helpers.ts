// Helpers for the site's tests: a throwaway course fixture, a static file server, and the links of a built site.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize, posix } from "node:path";

/** Writes files (path → content) into a fresh temporary folder and returns it. */
export function makeTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "site-fixture-"));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** A two-chapter course.json: 01-first is ready, 02-second planned. */
export const fixtureManifest = (): string =>
  JSON.stringify({
    title: "Fixture Course",
    tagline: "A course that exists only in a test.",
    limits: { labSeconds: 10, testMilliseconds: 1000, outputBytesPerTest: 1000 },
    parts: [{ id: 1, title: "Only part", summary: "Everything." }],
    chapters: [
      { id: "01-first", part: 1, status: "ready", points: 10, demo: "main.ts", title: "First", summary: "The first chapter." },
      { id: "02-second", part: 1, status: "planned", points: 10, demo: "main.ts", title: "Second", summary: "Not yet." },
    ],
  });

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".cast": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml", ".png": "image/png", ".json": "application/json", ".wasm": "application/wasm",
};

/** Serves `dir` under `prefix` (a sub-path, to prove the site's links are relative) on 127.0.0.1. */
export async function serve(dir: string, prefix = "/some/sub/path/"): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (!path.startsWith(prefix)) {
      res.writeHead(404).end("outside the site");
      return;
    }
    let file = normalize(join(dir, path.slice(prefix.length)));
    if (!file.startsWith(dir)) return void res.writeHead(403).end();
    if (existsSync(file) && !extname(file) && existsSync(join(file, "index.html"))) file = join(file, "index.html");
    if (path.endsWith("/")) file = join(file, "index.html");
    if (!existsSync(file)) return void res.writeHead(404).end("not found");
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Every href and src in an HTML file that points inside the site (no scheme, not data:, not protocol-relative). */
export function internalLinks(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
    const url = m[1].replace(/&amp;/g, "&");
    if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith("//")) continue;
    out.push(url);
  }
  return out;
}

/** Resolves a relative link from a page (a path from the site's root) to a site path and a fragment. */
export function resolveLink(page: string, url: string): { path: string; hash: string } {
  const [p, hash = ""] = url.split("#", 2);
  const path = p === "" ? page : posix.normalize(posix.join(posix.dirname(page), p));
  return { path, hash: decodeURIComponent(hash) };
}

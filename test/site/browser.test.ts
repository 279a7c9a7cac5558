// The built site in a real browser (Debian's Chromium driven by playwright-core), served over HTTP from a sub-path:
// headings, the code column holds the included code, the asciinema player shows the recorded terminal's text,
// no console errors and no failed requests. Saves screenshots at desktop and phone widths to site/screenshots/.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadManifest, readyChapters, ROOT } from "../../tools/lib/manifest";
import { extractRegion, INCLUDE } from "../../tools/lib/markers";
import { castText, parseCast } from "../../tools/lib/cast";
import { builtSite } from "./built-site";
import { serve } from "./helpers";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const INSTALL = "apt-get update && apt-get install -y --no-install-recommends chromium";
const SHOTS = join(ROOT, "site/screenshots");
const STEP_MS = 60_000;
const present = existsSync(CHROMIUM);

if (!present) {
  const notice = `Chromium not found at ${CHROMIUM}: the site's browser test ${process.env.CI === "true" ? "FAILS in CI" : "is skipped"}. Install it with: ${INSTALL}`;
  console.warn(notice);
  if (process.env.CI === "true") it("has Chromium to test the site with", () => expect.fail(notice));
}

const manifest = loadManifest();
const chapter = readyChapters(manifest).find((c) => existsSync(join(ROOT, "chapters", `${c.id}.md`)));

describe.skipIf(!present)("the course site in Chromium", () => {
  let out = "";
  const profile = mkdtempSync(join(tmpdir(), "site-chromium-"));
  let server: Awaited<ReturnType<typeof serve>>;
  let context: BrowserContext;

  beforeAll(async () => {
    // The same build build.test.ts checks (built-site.ts: built once, kept while nothing it reads changes).
    ({ dir: out } = await builtSite());
    server = await serve(out);
    mkdirSync(SHOTS, { recursive: true });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      viewport: { width: 1280, height: 860 },
      timeout: 30_000,
    });
  }, 180_000); // the build takes seconds; a shared CI machine may be slow

  afterAll(async () => {
    await context?.close();
    await server?.close();
    rmSync(profile, { recursive: true, force: true });
  }, 30_000);

  /** Opens a page and collects what went wrong while it loaded: console errors, page errors, failed requests. */
  async function open(path: string, width = 1280, height = 860): Promise<{ page: Page; problems: string[] }> {
    const page = await context.newPage();
    await page.setViewportSize({ width, height });
    const problems: string[] = [];
    page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on("response", (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
    await page.goto(server.url + path, { waitUntil: "networkidle", timeout: 30_000 });
    return { page, problems };
  }

  async function shoot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(SHOTS, `${name}-desktop.png`) });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300); // the player refits its terminal to the new width
    await page.screenshot({ path: join(SHOTS, `${name}-phone.png`) });
  }

  it("shows the home page: the course, how to start, every chapter", async () => {
    const { page, problems } = await open("index.html");
    expect(await page.locator("h1").first().textContent()).toBe(manifest.title);
    expect(await page.locator("#start").textContent()).toContain("npm run lab");
    expect(await page.locator(".chapter-item").count()).toBe(manifest.chapters.length);
    await page.screenshot({ path: join(SHOTS, "home-full-desktop.png"), fullPage: true });
    await shoot(page, "home");
    expect(problems).toEqual([]);
    await page.close();
  }, STEP_MS);

  it.skipIf(!chapter)("shows a chapter: narrative beside the included code, and the recorded demo in the player", async () => {
    const c = chapter!;
    const { page, problems } = await open(`chapters/${c.id}.html`);
    expect(await page.locator("h1").first().textContent()).toBeTruthy();
    expect(await page.locator(".prose h2").count()).toBeGreaterThan(0);

    // The first include's first code line is in the code column, beside the prose (not below it) on a wide screen.
    const include = readFileSync(join(ROOT, "chapters", `${c.id}.md`), "utf8").split("\n").find((l) => INCLUDE.test(l));
    if (include) {
      const [, file, region] = include.match(INCLUDE)!;
      const excerpt = extractRegion(readFileSync(join(ROOT, "solutions", file), "utf8"), file, region);
      const firstLine = excerpt.code.split("\n").find((l) => l.trim())!.trim();
      const figure = page.locator(`.section .code figure[data-region="${region}"]`).first();
      expect(await figure.textContent()).toContain(firstLine);
      const codeBox = (await figure.boundingBox())!;
      const proseBox = (await page.locator(`.section:has(figure[data-region="${region}"]) > .prose`).first().boundingBox())!;
      expect(codeBox.x).toBeGreaterThan(proseBox.x + proseBox.width - 1);
    }

    // The player shows the end of the recorded run (its poster) without being played.
    const castPath = join(ROOT, "site/casts", `${c.id}.cast`);
    if (existsSync(castPath)) {
      const lines = castText(parseCast(readFileSync(castPath, "utf8"))).split("\n").map((l) => l.trim()).filter(Boolean);
      const last = lines[lines.length - 1];
      const term = page.locator(".cast .ap-term").first();
      await expect.poll(async () => (await term.textContent()) ?? "", { timeout: 15_000 }).toContain(last);
    }
    // A folded solution body opens on demand.
    const fold = page.locator("details.reference").first();
    if (await fold.count()) {
      expect(await fold.locator("pre").isVisible()).toBe(false);
      await fold.locator("summary").click();
      expect(await fold.locator("pre").isVisible()).toBe(true);
    }
    await page.screenshot({ path: join(SHOTS, "chapter-full-desktop.png"), fullPage: true });
    await shoot(page, "chapter");
    await page.screenshot({ path: join(SHOTS, "chapter-full-phone.png"), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, STEP_MS);

  it.skipIf(!chapter)("shows a reference file and a lab file with its diff", async () => {
    const c = chapter!;
    const file = c.demo;
    const { page, problems } = await open(`code/${c.id}/solutions/${file}.html`);
    expect(await page.locator("h1").first().textContent()).toBe(`solutions/${c.id}/${file}`);
    const source = readFileSync(join(ROOT, "solutions", c.id, file), "utf8").split("\n").find((l) => l.trim())!;
    expect(await page.locator("pre.numbered").first().textContent()).toContain(source.trim());
    await shoot(page, "code");
    expect(problems).toEqual([]);
    await page.close();

    if (existsSync(join(ROOT, "labs", c.id))) {
      const lab = await open(`code/${c.id}/labs/${file}.html`);
      expect(await lab.page.locator(".diff-view, .same").count()).toBeGreaterThan(0);
      await shoot(lab.page, "lab-diff");
      expect(lab.problems).toEqual([]);
      await lab.page.close();
    }
  }, STEP_MS);

  it.skipIf(!chapter || !existsSync(join(ROOT, "notebooks", `${chapter?.id}.ipynb`)))("shows the chapter's notebook", async () => {
    const { page, problems } = await open(`notebooks/${chapter!.id}.html`);
    expect(await page.locator(".nb-code").count()).toBeGreaterThan(0);
    await shoot(page, "notebook");
    expect(problems).toEqual([]);
    await page.close();
  }, STEP_MS);

  it("loads every chapter page without errors, its player showing the end of its demo", async () => {
    for (const c of readyChapters(manifest).filter((x) => existsSync(join(ROOT, "chapters", `${x.id}.md`)))) {
      const { page, problems } = await open(`chapters/${c.id}.html`);
      const castPath = join(ROOT, "site/casts", `${c.id}.cast`);
      if (existsSync(castPath)) {
        const lines = castText(parseCast(readFileSync(castPath, "utf8"))).split("\n").map((l) => l.trim()).filter(Boolean);
        const term = page.locator(".cast .ap-term").first();
        await expect.poll(async () => (await term.textContent()) ?? "", { timeout: 15_000 }).toContain(lines[lines.length - 1]);
        // No line wraps: the longest is whole on one row of the terminal (rows place their words by column, so
        // spaces are compared out).
        const rows = await term.locator(".ap-line").allTextContents();
        // A demo longer than the terminal has scrolled: look at the lines still on the screen.
        const onScreen = lines.slice(-rows.filter((r) => r.trim()).length);
        const longest = onScreen.reduce((a, b) => (b.length > a.length ? b : a)).replace(/\s+/g, "");
        expect(rows.map((r) => r.replace(/\s+/g, "")), `${c.id}: its longest line on one row`).toContain(longest);
      }
      expect(problems, c.id).toEqual([]);
      await page.close();
    }
  }, 180_000);

  it.skipIf(!chapter || !existsSync(join(ROOT, "site/casts", `${chapter?.id}.cast`)))(
    "fetches the player only when a recording scrolls into view; on a phone its text stays readable and scrolls sideways",
    async () => {
      // The player's chunk: the one script of the build that holds the player's own class names.
      const player = readdirSync(join(out, "assets")).find((f) => f.endsWith(".js") && readFileSync(join(out, "assets", f), "utf8").includes("ap-term"));
      expect(player, "the player's script in the build").toBeTruthy();
      // 400 × 500: the recording sits below the chapter's title, summary and contents, out of view.
      const { page, problems } = await open(`chapters/${chapter!.id}.html`, 400, 500);
      const requested = () => page.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name));
      expect((await requested()).filter((u) => u.endsWith(`/${player}`)), "fetched before it was in view").toEqual([]);
      expect(await page.locator(".cast .ap-term").count()).toBe(0);

      await page.locator(".cast-player").first().scrollIntoViewIfNeeded();
      const term = page.locator(".cast .ap-term").first();
      await expect.poll(() => term.count(), { timeout: 15_000 }).toBe(1);
      expect((await requested()).some((u) => u.endsWith(`/${player}`))).toBe(true);

      // A readable size, however many columns: the box scrolls sideways instead of shrinking the text.
      await expect.poll(async () => parseFloat(await term.evaluate((el) => getComputedStyle(el).fontSize)), { timeout: 5_000 })
        .toBeGreaterThanOrEqual(11);
      const box = await page.locator(".cast-player").first().evaluate((el) => ({ client: el.clientWidth, scroll: el.scrollWidth }));
      expect(await page.evaluate(() => document.documentElement.scrollWidth), "the page itself does not scroll sideways").toBeLessThanOrEqual(400);
      expect(box.client).toBeLessThanOrEqual(400);
      // The finished output is not covered: no big play button over the poster, a control bar below it instead.
      expect(await page.locator(".cast .ap-overlay-start .ap-play-button").first().isVisible()).toBe(false);
      expect(await page.locator(".cast .ap-control-bar .ap-playback-button").first().isVisible()).toBe(true);
      await page.screenshot({ path: join(SHOTS, "player-phone.png") });
      // The folded recording of the untouched lab mounts its player when the reader opens it.
      const lab = page.locator(".cast-lab");
      if (await lab.count()) {
        expect(await lab.locator(".ap-term").count()).toBe(0);
        await lab.locator("summary").click();
        await expect.poll(() => lab.locator(".ap-term").count(), { timeout: 15_000 }).toBe(1);
      }
      expect(problems).toEqual([]);
      await page.close();
    },
    STEP_MS,
  );

  it("reads well in dark mode too", async () => {
    const { page, problems } = await open(chapter ? `chapters/${chapter.id}.html` : "index.html");
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: join(SHOTS, "dark-desktop.png") });
    expect(problems).toEqual([]);
    await page.close();
  }, STEP_MS);

  it("shows the benchmarks: the overview, and a suite's page of charts", async () => {
    const { page, problems } = await open("bench.html");
    expect(await page.locator("h1").first().textContent()).toBe("Benchmarks");
    await shoot(page, "bench");
    // The overview's first suite (bench/results/ is committed), followed as a reader would: its page draws its charts.
    expect(await page.locator(".suites a").count()).toBeGreaterThan(0);
    await page.setViewportSize({ width: 1280, height: 860 }); // shoot() left it at a phone's width
    await Promise.all([page.waitForURL(/\/bench\/[\w-]+\.html$/), page.locator(".suites a").first().click()]);
    await page.waitForLoadState("networkidle");
    expect(await page.locator("figure.chart svg").count()).toBeGreaterThan(0);
    await shoot(page, "bench-suite");
    expect(problems).toEqual([]);
    await page.close();
  }, STEP_MS);
});

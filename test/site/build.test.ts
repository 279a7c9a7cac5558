// The course site builds: every ready chapter renders with every included region, every internal link of the
// built site resolves (file and #fragment), and the generator fails loudly on an include that does not exist.
import { existsSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { join, posix } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadManifest, readyChapters, ROOT } from "../../tools/lib/manifest";
import { INCLUDE } from "../../tools/lib/markers";
import { buildSite, generatePages } from "../../site/src/build/index";
import { benchPage, freshnessNote } from "../../site/src/build/bench";
import { builtSite } from "./built-site";
import { fixtureManifest, internalLinks, makeTree, resolveLink } from "./helpers";

const BUILD_MS = 180_000; // a build takes seconds; a shared CI machine may be slow

function walk(dir: string, rel = ""): string[] {
  return readdirSync(join(dir, rel)).flatMap((n) => {
    const r = rel ? posix.join(rel, n) : n;
    return statSync(join(dir, r)).isDirectory() ? walk(dir, r) : [r];
  });
}

describe("the course site, built from this repository", () => {
  // The same build browser.test.ts opens (built-site.ts: built once, kept while nothing it reads changes).
  let out = "";
  let pages: readonly string[] = [];
  beforeAll(async () => {
    ({ dir: out, pages } = await builtSite());
  }, BUILD_MS);

  const manifest = loadManifest();
  const written = readyChapters(manifest).filter((c) => existsSync(join(ROOT, "chapters", `${c.id}.md`)));

  it("has a home page listing every chapter of the manifest", () => {
    const home = readFileSync(join(out, "index.html"), "utf8");
    for (const c of manifest.chapters) expect(home).toContain(`id="${c.id}"`);
    expect(home).toContain('<link rel="icon" href="data:,">');
  });

  it.each(written.map((c) => [c.id]))("renders chapter %s with every included region beside its prose", (id) => {
    const html = readFileSync(join(out, "chapters", `${id}.html`), "utf8");
    const includes = readFileSync(join(ROOT, "chapters", `${id}.md`), "utf8").split("\n").filter((l) => INCLUDE.test(l));
    expect(html.match(/<figure class="excerpt"/g)?.length ?? 0).toBe(includes.length);
    for (const line of includes) expect(html).toContain(`data-region="${line.match(INCLUDE)![2]}"`);
  });

  it("publishes every file of the ready chapters' solutions and labs", () => {
    for (const c of written) {
      for (const tree of ["solutions", "labs"]) {
        const dir = join(ROOT, tree, c.id);
        if (!existsSync(dir)) continue;
        for (const f of walk(dir)) expect(pages).toContain(`code/${c.id}/${tree}/${f}.html`);
      }
    }
  });

  it("has no broken internal link: every href and src names a built file, and every #fragment an id in it", () => {
    const broken: string[] = [];
    const ids = new Map<string, Set<string>>();
    const idsOf = (path: string) => {
      if (!ids.has(path)) {
        const html = readFileSync(join(out, path), "utf8");
        ids.set(path, new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1])));
      }
      return ids.get(path)!;
    };
    // Every built file, once: a lookup per link instead of two system calls (thousands of links; a loaded machine).
    const files = new Set(walk(out));
    const htmlFiles = [...files].filter((f) => f.endsWith(".html"));
    for (const page of htmlFiles) {
      for (const url of internalLinks(readFileSync(join(out, page), "utf8"))) {
        if (url.startsWith("/")) {
          broken.push(`${page}: ${url} is absolute (the site must work from any sub-path)`);
          continue;
        }
        const { path, hash } = resolveLink(page, url);
        if (!files.has(path)) broken.push(`${page}: ${url} (no file ${path})`);
        else if (hash && path.endsWith(".html") && !idsOf(path).has(hash)) broken.push(`${page}: ${url} (no id "${hash}" in ${path})`);
      }
    }
    // Player options name casts in data attributes; they must exist too.
    for (const page of htmlFiles) {
      for (const m of readFileSync(join(out, page), "utf8").matchAll(/data-cast="([^"]+)"/g)) {
        if (!files.has(resolveLink(page, m[1]).path)) broken.push(`${page}: cast ${m[1]}`);
      }
    }
    expect(broken).toEqual([]);
    expect(htmlFiles.length).toBe(pages.length);
  });
});

// Generous limits: the first generation loads shiki's grammars, and CI machines are shared.
describe("the site generator, on a fixture course", { timeout: 60_000 }, () => {
  const solution = `// A fixture file.
// #region add
export function add(a: number, b: number): number {
  // BEGIN SOLUTION 1 add
  return a + b;
  // END SOLUTION
}
// #endregion
`;
  const base = (md: string, extra: Record<string, string> = {}) =>
    makeTree({ "course.json": fixtureManifest(), "chapters/01-first.md": md, "solutions/01-first/add.ts": solution, ...extra });

  it("puts an included region beside the paragraph before it, its solution body folded", async () => {
    const root = base("# First\n\n## Adding\n\nThis adds two numbers:\n\n<<< 01-first/add.ts#add\n\nAfter the code.\n");
    const { pages } = await generatePages(root);
    const chapter = pages.find((p) => p.path === "chapters/01-first.html")!;
    const section = chapter.body.match(/<section class="section has-code">([\s\S]*?)<\/section>/)![1];
    expect(section).toContain("This adds two numbers");
    expect(section).toMatch(/<div class="code"><figure class="excerpt" data-region="add">/);
    expect(section).toMatch(/<details class="reference">\s*<summary><span class="reveal">Show the reference<\/span>/);
    expect(section).not.toContain("BEGIN SOLUTION");
    expect(chapter.body).toContain('id="adding"');
    expect(chapter.body).toContain('<nav class="toc"');
    const home = pages.find((p) => p.path === "index.html")!.body;
    expect(home).toContain('href="chapters/01-first.html"');
    expect(home).not.toContain("chapters/02-second.html");
    expect(home).toMatch(/id="02-second" class="chapter-item planned"/);
    rmSync(root, { recursive: true });
  });

  it("highlights a region with its whole file as context: one cut from a class body has coloured keywords", async () => {
    const box = `// A fixture class.
export class Box {
  // #region ctor
  constructor(
    readonly size: number,
  ) {
    // BEGIN SOLUTION 1 check
    this.check();
    // END SOLUTION
  }
  // #endregion
  check(): void {}
}
`;
    const root = base("# First\n\nA box:\n\n<<< 01-first/box.ts#ctor\n", { "solutions/01-first/box.ts": box });
    const { pages } = await generatePages(root);
    const figure = pages.find((p) => p.path === "chapters/01-first.html")!.body.match(/<figure class="excerpt" data-region="ctor">[\s\S]*?<\/figure>/)![0];
    // `constructor` is a keyword token, not plain text as it would be in a region highlighted alone…
    const [, keyword, plain] = figure.match(/<span class="line"><span class="(hl\d+)">constructor<\/span><span class="(hl\d+)">\(/)!;
    expect(keyword).not.toBe(plain);
    // …and so is `readonly`, indentation removed relative to the region.
    expect(figure).toMatch(new RegExp(`<span class="line"><span class="hl\\d+">  </span><span class="${keyword}">readonly</span>`));
    expect(figure).toMatch(/<details class="reference">[\s\S]*this[\s\S]*check/);
    rmSync(root, { recursive: true });
  });

  it("fails with the chapter, line and region when an included region does not exist", async () => {
    const root = base("# First\n\nText.\n\n<<< 01-first/add.ts#subtract\n");
    await expect(generatePages(root)).rejects.toThrow(/chapters\/01-first\.md:5: <<< 01-first\/add\.ts#subtract: .*no region "subtract" \(regions in this file: add\)/);
    rmSync(root, { recursive: true });
  });

  it("fails when an included file does not exist", async () => {
    const root = base("# First\n\n<<< 01-first/missing.ts#add\n");
    await expect(generatePages(root)).rejects.toThrow(/chapters\/01-first\.md:3: .*solutions\/01-first\/missing\.ts does not exist/);
    rmSync(root, { recursive: true });
  });

  it("shows a lab file with its diff to the reference, markers removed from the reference view", async () => {
    const starter = solution.replace(/  \/\/ BEGIN SOLUTION[\s\S]*END SOLUTION\n/, '  // TODO(task 1): add. See README.md.\n  throw new Error("not implemented yet");\n');
    const root = base("# First\n", { "labs/01-first/add.ts": starter });
    const { pages } = await generatePages(root);
    const ref = pages.find((p) => p.path === "code/01-first/solutions/add.ts.html")!.body;
    expect(ref).not.toContain("BEGIN SOLUTION");
    expect(ref).toContain('id="region-add"');
    const lab = pages.find((p) => p.path === "code/01-first/labs/add.ts.html")!.body;
    expect(lab).toMatch(/class="line del"[^>]*>.*TODO\(task 1\)/);
    expect(lab).toMatch(/class="line add"[^>]*>.*return/);
    rmSync(root, { recursive: true });
  });

  it("renders a chapter's notebook with highlighted code and its outputs, and links it from the chapter", async () => {
    const nb = {
      cells: [
        { cell_type: "markdown", source: ["## Try it\n"], metadata: {} },
        { cell_type: "code", source: ["add(1, 2)"], execution_count: 1, outputs: [{ output_type: "execute_result", data: { "text/plain": ["3"] } }], metadata: {} },
      ],
      metadata: {}, nbformat: 4, nbformat_minor: 5,
    };
    const root = base("# First\n", { "notebooks/01-first.ipynb": JSON.stringify(nb) });
    const { pages } = await generatePages(root);
    const page = pages.find((p) => p.path === "notebooks/01-first.html")!.body;
    expect(page).toContain('<pre class="output result">3</pre>');
    expect(page).toMatch(/<pre class="shiki[^"]*"><code><span class="line"><span class="hl\d+">add/);
    expect(pages.find((p) => p.path === "chapters/01-first.html")!.body).toContain('href="../notebooks/01-first.html"');
    rmSync(root, { recursive: true });
  });

  it("runs a chapter's notebook for its outputs, saying which one and how long it took; the next build uses the cache", async () => {
    const nb = {
      cells: [{ cell_type: "code", source: ["6 * 7"], execution_count: null, outputs: [], metadata: {} }],
      metadata: {}, nbformat: 4, nbformat_minor: 5,
    };
    const root = base("# First\n", { "notebooks/01-first.ipynb": JSON.stringify(nb) });
    symlinkSync(join(ROOT, "node_modules"), join(root, "node_modules"), "junction"); // the runner starts tsx and tslab
    const heard: string[] = [];
    const { pages } = await generatePages(root, { executeNotebooks: true, progress: (l) => heard.push(l) });
    expect(pages.find((p) => p.path === "notebooks/01-first.html")!.body).toMatch(/<pre class="output [a-z]+">42\n?<\/pre>/);
    expect(heard[0]).toMatch(/^Running 1 notebook for their outputs/);
    expect(heard.slice(1)).toEqual(["notebook 01-first: running…", expect.stringMatching(/^notebook 01-first: done in \d+\.\d s$/)]);
    const again: string[] = [];
    await generatePages(root, { executeNotebooks: true, progress: (l) => again.push(l) });
    expect(again).toEqual([]);
    rmSync(root, { recursive: true });
  }, 120_000);

  it("plots benchmark results as bars with ratios, says when there are none, and reports a broken file", async () => {
    const results = {
      suite: "hub", title: "hub: the cost of a green thread (issue 4)", date: "2026-11-25T16:00:00.000Z", reps: 5,
      machine: { cpus: 2, cpuModel: "Test CPU", node: "v20.0.0" },
      rows: [
        { case: "switch", system: "hub", value: 50, unit: "ns/switch", min: 45, max: 55, samples: [55, 50, 45, 52, 48], better: "lower" },
        // Reps that are not a list of numbers (a hand-edited file) draw no dots rather than break the page.
        { case: "switch", system: "eventlet", value: 200, unit: "ns/switch", min: 190, max: 210, samples: "190, 210", better: "lower" },
        // Reps that pair with the hub's but disagree: the hub was ahead in one of five.
        { case: "switch", system: "floor", value: 50, unit: "ns/switch", min: 40, max: 52, samples: [50, 52, 40, 50, 44], better: "lower" },
        // Reps of every size, zero and fractions included, each as the tables write a figure (three digits).
        { case: "spawn", system: "hub", value: 1.23, unit: "µs", min: 0, max: 12.34, samples: [0, 0.01234, 1.234, 12.34, 1.5], better: "lower" },
      ],
      ratios: [{ case: "switch", vs: "eventlet", ratio: 0.25, meaning: "hub time / eventlet time" }],
      aims: [{ aim: "beat eventlet", met: true }, { aim: "switch within 1.5× the floor", met: false, detail: "1.76× rep by rep" }],
      notes: ["a note", "measured at commit abc1234"],
      // The run before met the switch aim, which this one misses; it judged "beat eventlet" as this one does.
      previous: { date: "2026-11-20T10:00:00Z", commit: "0123456", aims: [{ aim: "beat eventlet", met: true }, { aim: "switch within 1.5× the floor", met: true }] },
      earlier: [
        { date: "2026-11-19T10:00:00Z", commit: "89abcde", aims: [{ aim: "beat eventlet", met: true }, { aim: "switch within 1.5× the floor", met: false }] },
        { date: "2026-11-18T10:00:00Z", commit: "fedcba9", aims: [{ aim: "beat eventlet", met: true }, { aim: "switch within 1.5× the floor", met: true }] },
      ],
    };
    const withResults = base("# First\n", { "bench/results/hub.json": JSON.stringify(results), "bench/results/bad.json": "{ nope" });
    const site = await generatePages(withResults);
    // An overview of every suite on bench.html, and a page of charts per suite.
    const overview = site.pages.find((p) => p.path === "bench.html")!.body;
    const bench = site.pages.find((p) => p.path === "bench/hub.html")!.body;
    expect(site.pages.filter((p) => p.path.startsWith("bench/")).map((p) => p.path)).toEqual(["bench/hub.html"]);
    expect(benchPage("../odd name"), "a hand-edited name stays a file in bench/").toBe("bench/-odd-name.html");
    expect(overview, "the overview draws no chart").not.toContain("<svg");
    expect(bench).toContain("<svg");
    expect(bench).toContain('<tspan class="ratio ahead" dx="10">0.25× ahead</tspan>');
    expect(bench).toContain('<tspan class="spread" dx="6">(45–55)</tspan>');
    expect(bench).toContain("lower is better");
    expect(bench).toContain("median of 5 reps (min–max; a dot per rep)");
    // A dot per rep, in the order they ran (the first at the top); a row without its reps (eventlet's here) has none.
    const dots = [...bench.matchAll(/<circle class="rep" cx="([\d.]+)" cy="([\d.]+)" r="3"><title>hub, rep (\d) of 5: (\d+) ns\/switch<\/title><\/circle>/g)];
    expect(dots.map((d) => Number(d[4]))).toEqual([55, 50, 45, 52, 48]);
    expect(dots.map((d) => Number(d[2]))).toEqual([...dots.map((d) => Number(d[2]))].sort((a, b) => a - b));
    expect(Number(dots[0]![1])).toBeGreaterThan(Number(dots[2]![1]));
    expect(bench.match(/class="rep"/g)).toHaveLength(15);
    // Equal medians, but the ratio is the median of the reps' ratios (1.1, 0.96, 1.125, 1.04, 1.09), as in the tables.
    expect(bench).toContain('<tspan class="ratio mixed" dx="10">1.09× mixed: ahead in 1 of 5</tspan>');
    expect(bench).toContain("reps in order: 55, 50, 45, 52, 48");
    expect(bench).toContain("reps in order: 0, 0.0123, 1.23, 12.3, 1.5");
    expect(bench).toContain('<span class="ratio-key ahead">ahead</span>');
    // The suite's title names its chapter, with no tracker issue; outside a git checkout its freshness is unknown.
    expect(bench).toContain("<h1>Chapter 02: the cost of a green thread");
    expect(bench).not.toMatch(/issue \d/);
    expect(bench).toMatch(/Whether this result is current is unknown/);
    expect(bench).toContain("beat eventlet");
    expect(bench).toContain('<p class="crumbs"><a href="../bench.html">Benchmarks</a> › hub</p>');
    // Each chart an anchor, listed at the top.
    expect(bench).toContain('<figure class="chart" id="fig-switch">');
    expect(bench).toContain('<li><a href="#fig-switch">switch</a></li><li><a href="#fig-spawn">spawn</a></li>');
    // The overview: every suite's aims, gathered at the top, each linking to its suite's page; then a line per suite.
    expect(overview).toContain('<h2>The goals at a glance</h2>');
    expect(overview).toContain("1 of 2 aims met, each as the last run of its suite judged it (1 verdict the other way in the run before, marked);");
    expect(overview).toContain('<li class="met"><span class="mark">✓</span> <a href="bench/hub.html">hub</a>: beat eventlet</li>');
    // A missed aim opens to the figures that decide it; an aim without a detail has nothing to open.
    // An aim whose verdict moved from the run before says so, and how often the runs kept met it; one judged the same
    // way every time (beat eventlet, met in all three) says nothing of either.
    expect(overview).toContain('<li class="missed"><span class="mark">✗</span> <a href="bench/hub.html">hub</a>: switch within 1.5× the floor <span class="was">(met at 0123456 in the run before; met in 2 of the 3 runs before)</span><details class="decides"><summary>how far</summary><p>1.76× rep by rep</p></details></li>');
    expect(bench).toContain('<span class="was">(met at 0123456 in the run before; met in 2 of the 3 runs before)</span></li>');
    expect(overview).toMatch(/<li id="bench-hub"><a href="bench\/hub\.html">Chapter 02: the cost of a green thread[^<]*<\/a> <span class="muted">— <code>hub<\/code> · 1 of 2 aims met · 2 charts · ran 2026-11-25<\/span><\/li>/);
    expect(overview.indexOf('id="goals"')).toBeLessThan(overview.indexOf('id="bench-hub"'));
    expect(overview).toMatch(/bench\/results\/bad\.json/);
    expect(site.site.warnings.some((w) => w.includes("bad.json"))).toBe(true);
    rmSync(withResults, { recursive: true });

    const stale = freshnessNote("lb", { state: "stale", commit: "abc1234", files: ["solutions/08-tcp-proxy/splice.ts"], changes: ["def5678 a faster splice"] });
    expect(stale).toContain('class="note warn stale"');
    expect(stale).toContain("def5678 a faster splice");
    expect(stale).toContain("npm run bench lb");
    expect(freshnessNote("lb", { state: "current", commit: "abc1234" })).toContain("Current");

    const without = base("# First\n");
    const emptySite = await generatePages(without);
    const empty = emptySite.pages.find((p) => p.path === "bench.html")!.body;
    expect(empty).toContain('id="no-results"');
    expect(emptySite.pages.filter((p) => p.path.startsWith("bench/"))).toEqual([]);
    expect(empty, "no aims, no list of goals").not.toContain('id="goals"');
    rmSync(without, { recursive: true });
  });

  it("draws a chapter's bench plot blocks as bar charts, a baseline's ratios as each system ÷ the baseline", async () => {
    const results = {
      suite: "obs", subject: "metrics off", reps: 5,
      rows: [
        { case: "requests/s @ 64 conns", system: "metrics off", value: 100, unit: "req/s", min: 95, max: 105, better: "higher" },
        { case: "requests/s @ 64 conns", system: "metrics on", value: 80, unit: "req/s", min: 78, max: 82, better: "higher" },
        { case: "CPU per request @ 64 conns", system: "metrics off", value: 20, unit: "µs/req", min: 19, max: 21, better: "lower" },
        { case: "CPU per request @ 64 conns", system: "metrics on", value: 25, unit: "µs/req", min: 24, max: 26, better: "lower" },
      ],
    };
    const md = '# First\n\nThe costs:\n\n<!-- bench: obs plot "requests/s" -->\n\n*a line for the markdown*\n\n<!-- /bench -->\n\nAfter the plots.\n';
    const root = base(md, { "bench/results/obs.json": JSON.stringify(results) });
    const { pages } = await generatePages(root);
    const chapter = pages.find((p) => p.path === "chapters/01-first.html")!.body;
    expect(chapter).toContain('<div class="bench-plots">');
    expect(chapter.match(/<figure class="chart">/g)).toHaveLength(1); // the filter keeps requests/s only
    expect(chapter).toContain("ratio = system ÷ <span class=\"subject-key\">metrics off</span>");
    expect(chapter).toContain('<tspan class="ratio behind" dx="10">0.80× behind</tspan>');
    expect(chapter).not.toContain("a line for the markdown");
    expect(chapter, "the run's other figures a link away").toContain('Every figure of this run: <a href="../bench/obs.html">obs</a>.');
    expect(chapter).toContain("After the plots.");
    rmSync(root, { recursive: true });
  });

  it("builds a course with no published chapter", async () => {
    const root = makeTree({ "course.json": fixtureManifest() });
    const out = join(root, "dist");
    const { pages, warnings } = await buildSite({ root, outDir: out });
    expect(pages).toContain("index.html");
    expect(warnings.join("\n")).toMatch(/01-first is ready .* does not exist yet/);
    expect(readFileSync(join(out, "index.html"), "utf8")).toMatch(/<script type="module" crossorigin src="\.\/assets\//);
    rmSync(root, { recursive: true });
  }, BUILD_MS);
});

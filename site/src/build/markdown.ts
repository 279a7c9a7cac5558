// Markdown for the course site (markdown-it): `<<< file#region` include lines as tokens, heading anchors,
// build-time highlighting of fenced code, and links rewritten from repository paths to site pages.
import markdownIt, { type Env, type MarkdownIt, type Token } from "markdown-it";
import { INCLUDE } from "../../../tools/lib/markers";
import { highlightBlock, langFor } from "./highlight";
import { PLOT } from "./plot";

export interface MarkdownEnv extends Env {
  /** Turns a link written in the source (a repository path, an anchor, a URL) into a site link. */
  rewriteLink?: (url: string) => string;
  /** Headings seen so far, for the page's table of contents; also keeps slugs unique. */
  headings?: { level: number; id: string; text: string }[];
  /** Renders a ```trace-timeline fenced block, whose text names a committed trace (site/src/build/trace-timeline.ts). */
  renderTimeline?: (path: string) => string;
  /** Renders an include that is not beside the prose (inside a list or a quote). */
  renderInclude?: (meta: IncludeMeta) => string;
  /** Renders a `<!-- plot: NAME -->` line (plot.ts); without it the marker stays an HTML comment. */
  renderPlot?: (name: string) => string;
}

export interface IncludeMeta {
  /** `NN-slug/path/file.ts`, relative to solutions/. */
  readonly file: string;
  readonly region: string;
  /** 1-based line of the include in the markdown source, for error messages. */
  readonly line: number;
}

/** GitHub-like slugs: what a reader would guess from the heading's text. */
export const slugify = (text: string): string =>
  text.toLowerCase().trim().replace(/[^\p{L}\p{N}\s-]/gu, "").replace(/\s+/g, "-") || "section";

/** `prefix` and the slug of `text`, made unique among the ids in `seen` by a number ("-2", "-3", …), and added to them. */
export function uniqueSlug(text: string, seen: Set<string>, prefix = ""): string {
  const base = `${prefix}${slugify(text)}`;
  let id = base;
  for (let n = 2; seen.has(id); n++) id = `${base}-${n}`;
  seen.add(id);
  return id;
}

export function createMarkdown(): MarkdownIt {
  const md: MarkdownIt = markdownIt({
    html: true,
    linkify: true,
    typographer: true,
    highlight: (code, info) => highlightBlock(code, langFor(info.split(/\s+/)[0] || "text")),
  });

  // An include is a line of its own; it may end a paragraph that has no blank line after it.
  md.block.ruler.before(
    "paragraph",
    "include",
    (state, startLine, _endLine, silent) => {
      const line = state.src.slice(state.bMarks[startLine] + state.tShift[startLine], state.eMarks[startLine]);
      const m = line.match(INCLUDE);
      if (!m) return false;
      if (!silent) {
        const token = state.push("include", "", 0);
        token.meta = { file: m[1], region: m[2], line: startLine + 1 } satisfies IncludeMeta as never;
        token.map = [startLine, startLine + 1];
      }
      state.line = startLine + 1;
      return true;
    },
    { alt: ["paragraph"] },
  );
  // A ```trace-timeline block draws the trace it names; without a site context it shows as the block it is.
  const fence = md.renderer.rules.fence!;
  md.renderer.rules.fence = (tokens, idx, options, env, self) => {
    const t = tokens[idx];
    const draw = (env as MarkdownEnv).renderTimeline;
    return t.info.trim() === "trace-timeline" && draw ? draw(t.content.trim()) : fence(tokens, idx, options, env, self);
  };
  // Without a site context (rendered outside a chapter), an include shows as the line it is.
  md.renderer.rules.include = (tokens, idx, _options, env) => {
    const inc = tokens[idx].meta as unknown as IncludeMeta;
    return (env as MarkdownEnv).renderInclude?.(inc) ??
      `<p class="include-ref"><code>&lt;&lt;&lt; ${inc.file}#${inc.region}</code></p>\n`;
  };

  // A `<!-- plot: NAME -->` line becomes the plot, drawn at build time (plot.ts).
  const htmlBlock = md.renderer.rules.html_block!;
  md.renderer.rules.html_block = (tokens, idx, options, env, self) => {
    const m = PLOT.exec(tokens[idx].content.trim());
    const render = (env as MarkdownEnv).renderPlot;
    return m && render ? render(m[1]!) : htmlBlock(tokens, idx, options, env, self);
  };

  // Heading ids and the page's table of contents.
  md.core.ruler.push("anchors", (state) => {
    const env = state.env as MarkdownEnv;
    const seen = new Set((env.headings ??= []).map((h) => h.id));
    state.tokens.forEach((t, i) => {
      if (t.type !== "heading_open") return;
      const text = state.tokens[i + 1].children?.filter((c) => c.type === "text" || c.type === "code_inline")
        .map((c) => c.content).join("") ?? "";
      const id = uniqueSlug(text, seen);
      t.attrSet("id", id);
      env.headings!.push({ level: Number(t.tag.slice(1)), id, text });
    });
  });
  md.renderer.rules.heading_close = (tokens, idx) => {
    const id = tokens[idx - 2].attrGet("id");
    return `${id ? ` <a class="anchor" href="#${id}" aria-label="Link to this section">#</a>` : ""}</${tokens[idx].tag}>\n`;
  };

  md.core.ruler.push("links", (state) => {
    const rewrite = (state.env as MarkdownEnv).rewriteLink;
    if (!rewrite) return;
    for (const block of state.tokens) {
      for (const t of block.children ?? []) {
        if (t.type === "link_open") t.attrSet("href", rewrite(String(t.attrGet("href") ?? "")));
        if (t.type === "image") t.attrSet("src", rewrite(String(t.attrGet("src") ?? "")));
      }
    }
  });
  return md;
}

/** A docco-style section: the prose that explains, and the code included beside it. */
export interface Section {
  readonly prose: Token[];
  readonly includes: IncludeMeta[];
}

/**
 * Splits a chapter into sections: a top-level heading starts one, and so does prose that follows code,
 * so each run of includes sits beside the paragraphs just before it (the ones that introduce it).
 */
export function splitSections(tokens: Token[]): Section[] {
  const sections: Section[] = [];
  let cur: Section = { prose: [], includes: [] };
  const flush = () => {
    if (cur.prose.length || cur.includes.length) sections.push(cur);
    cur = { prose: [], includes: [] };
  };
  for (const t of tokens) {
    if (t.type === "include" && t.level === 0) {
      cur.includes.push(t.meta as unknown as IncludeMeta);
      continue;
    }
    const startsBlock = t.level === 0 && t.nesting !== -1;
    if (startsBlock && (cur.includes.length || (t.type === "heading_open" && Number(t.tag.slice(1)) <= 3))) flush();
    cur.prose.push(t);
  }
  flush();
  return sections;
}

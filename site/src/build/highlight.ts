// Build-time syntax highlighting for the course site (shiki, offline): one highlighter, light and dark themes.
import { createHighlighter, type BundledLanguage, type Highlighter, type ThemedToken } from "shiki";

const THEMES = { light: "github-light", dark: "github-dark" } as const;
const LANGS = [
  "typescript", "javascript", "json", "jsonc", "shellscript", "shellsession", "markdown", "diff",
  "python", "yaml", "ini", "toml", "http", "nginx", "html", "css", "xml",
] as const;

/** Fence names and file extensions that mean a language shiki knows under another name. */
const ALIASES: Record<string, string> = {
  ts: "typescript", tsx: "typescript", mts: "typescript", cts: "typescript",
  js: "javascript", mjs: "javascript", cjs: "javascript",
  sh: "shellscript", bash: "shellscript", shell: "shellscript", console: "shellsession",
  md: "markdown", py: "python", yml: "yaml", cfg: "ini", conf: "nginx", svg: "xml",
};

let highlighter: Highlighter | undefined;

/** Loads the grammars once; every other function here is synchronous (markdown-it needs that). */
export async function initHighlighter(): Promise<void> {
  highlighter ??= await createHighlighter({ themes: Object.values(THEMES), langs: [...LANGS] });
}

/** A language shiki can highlight, or null for plain text. */
export function langFor(nameOrPath: string): string | null {
  const key = nameOrPath.includes(".") || nameOrPath.includes("/")
    ? nameOrPath.slice(nameOrPath.lastIndexOf(".") + 1).toLowerCase()
    : nameOrPath.toLowerCase();
  const lang = ALIASES[key] ?? key;
  return (LANGS as readonly string[]).includes(lang) ? lang : null;
}

export const escapeHtml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const styleOf = (t: ThemedToken): string =>
  Object.entries(t.htmlStyle ?? {}).map(([k, v]) => `${k}:${v}`).join(";");

/**
 * Highlights `code` and returns the inner HTML of each line, so callers can fold, number or diff lines
 * while the tokenizer still sees the whole text (a line alone loses its context, e.g. inside a comment).
 */
export function highlightLines(code: string, lang: string | null): string[] {
  if (!highlighter) throw new Error("initHighlighter() must run before highlighting");
  if (!lang) return code.split("\n").map(escapeHtml);
  const { tokens } = highlighter.codeToTokens(code, { lang: lang as BundledLanguage, themes: THEMES });
  return tokens.map((line) =>
    line.map((t) => `<span style="${escapeHtml(styleOf(t))}">${escapeHtml(t.content)}</span>`).join(""),
  );
}

/** A highlighted block: `<pre class="shiki">` with one `span.line` per line. */
export function highlightBlock(code: string, lang: string | null, extraClass = ""): string {
  const lines = highlightLines(code.replace(/\n$/, ""), lang);
  return `<pre class="shiki ${extraClass}"><code>${lines.map((l) => `<span class="line">${l}</span>`).join("\n")}</code></pre>`;
}

// The course site's only script: the stylesheet, asciinema players mounted on chapter pages that have a recording
// (the player is loaded only there, and only when its box is visible or opened), and sticky explanations beside long code.
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/// <reference types="vite/client" />
import "./style.css";

async function mount(el: HTMLElement): Promise<void> {
  if (el.dataset.mounted) return;
  el.dataset.mounted = "1";
  const [{ create }] = await Promise.all([
    import("asciinema-player"),
    import("asciinema-player/dist/bundle/asciinema-player.css"),
  ]);
  create(el.dataset.cast!, el, {
    cols: Number(el.dataset.cols) || undefined,
    rows: Number(el.dataset.rows) || undefined,
    // The whole output as poster: the terminal shows the finished run until someone presses play.
    // HTML turns the CRLFs of an attribute into LFs; a terminal needs the CR to return to column 0.
    poster: el.dataset.poster?.replace(/\r?\n/g, "\r\n"),
    idleTimeLimit: Number(el.dataset.idle) || undefined,
    fit: "width",
    theme: "course",
    terminalFontFamily: "var(--mono)",
  });
}

for (const el of document.querySelectorAll<HTMLElement>(".cast-player")) {
  const details = el.closest("details");
  if (details && !details.open) details.addEventListener("toggle", () => void mount(el), { once: true });
  else void mount(el);
}

// Beside a long included region, the paragraphs that explain it stay in view while the reader scrolls through the
// code — but only when they fit on the screen, or their end could never be read.
function stickProse(): void {
  const wide = window.matchMedia("(min-width: 1000px)").matches;
  for (const section of document.querySelectorAll<HTMLElement>(".section.has-code")) {
    const prose = section.querySelector<HTMLElement>(".prose")!;
    const code = section.querySelector<HTMLElement>(".code")!;
    prose.classList.toggle("sticky", wide && prose.offsetHeight < window.innerHeight * 0.85 && code.offsetHeight > prose.offsetHeight * 1.3);
  }
}
stickProse();
window.addEventListener("resize", stickProse);

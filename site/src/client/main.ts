// The course site's only script: the stylesheet, asciinema players mounted on chapter pages that have a recording
// (the player is fetched only when a recording scrolls into view or is opened), and sticky explanations beside long code.
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
  // The player fits its terminal to the width of this screen, which is never narrower than the terminal's columns at a
  // readable size (style.css): on a phone the terminal keeps its size and the box around it scrolls sideways.
  const screen = document.createElement("div");
  screen.className = "cast-screen";
  screen.style.setProperty("--cols", el.dataset.cols ?? "80");
  el.append(screen);
  create(el.dataset.cast!, screen, {
    cols: Number(el.dataset.cols) || undefined,
    rows: Number(el.dataset.rows) || undefined,
    // The whole output as poster: the terminal shows the finished run until someone presses play.
    // HTML turns the CRLFs of an attribute into LFs; a terminal needs the CR to return to column 0.
    poster: el.dataset.poster?.replace(/\r?\n/g, "\r\n"),
    idleTimeLimit: Number(el.dataset.idle) || undefined,
    fit: "width",
    // The control bar stays below the terminal, so its play button covers none of the finished output (style.css
    // hides the big button the player puts over the middle of the poster).
    controls: true,
    theme: "course",
    terminalFontFamily: "var(--mono)",
  });
}

// The player is large (about 230 KB): it is fetched only when a recording comes into view, or when the reader opens
// the folded one (a player inside closed <details> is not visible until then).
const players = document.querySelectorAll<HTMLElement>(".cast-player");
if (players.length) {
  const seen = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      seen.unobserve(e.target);
      void mount(e.target as HTMLElement);
    }
  }, { rootMargin: "100px 0px" });
  for (const el of players) seen.observe(el);
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

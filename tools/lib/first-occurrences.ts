// Course machinery (classroom exports): where each of many strings first occurs in a text, found in one pass over
// the text instead of one search per string. The leak check (tools/export/leaks.ts) looks for a thousand lines of
// reference code in every page of a student site, tens of megabytes: searched one line at a time that was seconds of
// CPU in every export and in each classroom test.
//
// Rabin–Karp: a rolling hash of the text's window as long as the shortest pattern, compared with the hash of each
// pattern's first that-many characters; a match of hashes is checked character by character, so a collision costs
// time, never a wrong answer. A bitmap of the patterns' hashes turns nearly every window away before the map lookup.

const BASE = 0x01000193; // the FNV prime: odd, so multiplying by it mod 2^32 loses nothing
const BITS = 20;

/** Hash of `s.slice(0, length)`, mod 2^32. */
function hashOf(s: string, length: number): number {
  let h = 0;
  for (let i = 0; i < length; i++) h = (Math.imul(h, BASE) + s.charCodeAt(i)) >>> 0;
  return h;
}

/**
 * A search for `patterns`, prepared once: given a text, it returns for each pattern the index of its first
 * occurrence (as `text.indexOf(pattern)` would give), or -1. An empty pattern is found at 0.
 */
export function firstOccurrences(patterns: readonly string[]): (text: string) => number[] {
  // The window: as long as the shortest pattern (0 when every pattern is empty, and then nothing is searched).
  const lengths = patterns.map((p) => p.length).filter((n) => n > 0);
  const width = lengths.length ? Math.min(...lengths) : 0;
  const byHash = new Map<number, number[]>();
  const seen = new Uint8Array(1 << BITS);
  patterns.forEach((p, at) => {
    if (!p.length) return;
    const h = hashOf(p, width);
    const same = byHash.get(h);
    if (same) same.push(at);
    else byHash.set(h, [at]);
    seen[h >>> (32 - BITS)] = 1;
  });
  // BASE^(width − 1) mod 2^32: the weight of the character that leaves the window.
  let out = 1;
  for (let i = 1; i < width; i++) out = Math.imul(out, BASE) >>> 0;

  return (text) => {
    const first: number[] = patterns.map((p) => (p.length ? -1 : 0));
    let missing = first.filter((i) => i < 0).length;
    if (!missing || width > text.length) return first;
    let h = hashOf(text, width);
    for (let i = 0; ; i++) {
      if (seen[h >>> (32 - BITS)]) {
        for (const at of byHash.get(h) ?? []) {
          if (first[at]! < 0 && text.startsWith(patterns[at]!, i)) {
            first[at] = i;
            if (--missing === 0) return first;
          }
        }
      }
      if (i + width >= text.length) return first;
      h = (Math.imul((h - Math.imul(text.charCodeAt(i), out)) >>> 0, BASE) + text.charCodeAt(i + width)) >>> 0;
    }
  };
}

// IP addresses as text and as bytes, for the PROXY protocol's two formats. Built in chapter 11.
//
// Version 1 of the PROXY protocol writes addresses as text, version 2 as 4 or 16 bytes in network order, so a proxy
// that speaks both converts between them. Node parses and validates addresses (`isIP`) but has no public function
// from IPv6 text to bytes and back, so these few lines do it. IPv6 text is written in RFC 5952's canonical form:
// lower case, no leading zeros, the longest run of two or more zero groups as "::".
import { isIP } from "node:net";

/** An IPv4 address in the PROXY protocol's strict form: four decimal numbers 0–255, no leading zeros. */
const IPV4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/** True for "192.168.0.1"; false for "192.168.000.1" (a leading zero could be read as octal) or "256.0.0.1". */
export function isStrictIPv4(text: string): boolean {
  const m = IPV4.exec(text);
  return m !== null && m.slice(1).every((n) => Number(n) <= 255);
}

/** True for hexadecimal groups and colons with at most one "::" (HAProxy's v1 rule); no dotted tail, no zone. */
export function isStrictIPv6(text: string): boolean {
  return /^[0-9A-Fa-f:]+$/.test(text) && isIP(text) === 6;
}

/** The 4 bytes of an IPv4 address. */
export function ipv4Bytes(text: string): Buffer {
  return Buffer.from(text.split(".").map(Number));
}

/** The 16 bytes of an IPv6 address (any form `isIP` accepts, a dotted IPv4 tail included). */
export function ipv6Bytes(text: string): Buffer {
  let groups: number[];
  let tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted !== null) {
    const b = ipv4Bytes(dotted[1]);
    tail = [(b[0] << 8) | b[1], (b[2] << 8) | b[3]];
    text = text.slice(0, -dotted[1].length);
    if (text.endsWith(":") && !text.endsWith("::")) text = text.slice(0, -1);
  }
  const parse = (s: string): number[] => (s === "" ? [] : s.split(":").map((g) => parseInt(g, 16)));
  const gap = text.indexOf("::");
  if (gap < 0) {
    groups = [...parse(text), ...tail];
  } else {
    const head = parse(text.slice(0, gap));
    const rest = [...parse(text.slice(gap + 2)), ...tail];
    groups = [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  }
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, 2 * i));
  return out;
}

/** "a.b.c.d" from 4 bytes. */
export function ipv4Text(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4)).join(".");
}

/** RFC 5952's canonical text of 16 bytes: "2001:db8::1", never "2001:0db8:0:0:0:0:0:1". */
export function ipv6Text(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  // The longest run of zero groups (the first, on a tie); a single zero group is not shortened.
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(":");
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLength))}`;
}

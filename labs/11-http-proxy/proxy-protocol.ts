// The PROXY protocol, versions 1 (text) and 2 (binary): the header a proxy sends first on a connection to tell the
// server who the client is. Encoding and parsing, on bytes; reading it off a socket is proxy-accept.ts. Chapter 11.
//
// Byte for byte as HAProxy's specification, doc/proxy-protocol.txt. The parser is incremental: give it the bytes
// received so far and it answers "a header of n bytes", "not enough yet" (null), or throws ProxyProtocolError as soon
// as the bytes cannot be a header, so a connection that sends anything else is dropped early (spec §2.1: "abort the
// connection as soon as possible"). It never needs more than the spec's limits: 107 bytes for version 1, 16 + 65535
// for version 2.
import { isIP } from "node:net";
import type { Address } from "../05-green-sockets/socket";
import { ipv4Bytes, ipv4Text, ipv6Bytes, ipv6Text, isStrictIPv4, isStrictIPv6 } from "./ip";

// #region types
/** A header that is not one; the message says what is wrong. */
export class ProxyProtocolError extends Error {
  override name = "ProxyProtocolError";
}

/** v2's address families (the high 4 bits of byte 14); v1's TCP4 is inet, TCP6 inet6, UNKNOWN unspec. */
export type ProxyFamily = "unspec" | "inet" | "inet6" | "unix";
/** v2's transport protocols (the low 4 bits of byte 14); v1 speaks of TCP (stream) only. */
export type ProxyTransport = "unspec" | "stream" | "dgram";

/** A v2 Type-Length-Value vector: PP2_TYPE_ALPN (0x01), PP2_TYPE_AUTHORITY (0x02), … kept as bytes. */
export interface Tlv {
  readonly type: number;
  readonly value: Buffer;
}

export interface ProxyHeader {
  readonly version: 1 | 2;
  /** "local": the proxy made the connection itself (a health check): use the connection's own addresses. */
  readonly command: "proxy" | "local";
  readonly family: ProxyFamily;
  readonly transport: ProxyTransport;
  /** The client: an IP address and port, or for unix a path and port 0; null when unspec or local. */
  readonly source: Address | null;
  /** The address the client connected to; null when unspec or local. */
  readonly destination: Address | null;
  /** v2's TLVs in order; always empty for v1, unspec and local (their address blocks are skipped). */
  readonly tlvs: readonly Tlv[];
}

/** A header without addresses: v1's UNKNOWN, v2's unspec family, or a LOCAL command (use the connection's own). */
export const noAddresses = (version: 1 | 2, command: "proxy" | "local"): ProxyHeader => ({
  version, command, family: "unspec", transport: "unspec", source: null, destination: null, tlvs: [],
});

/** What the parser found: the header, and how many bytes it took (what follows belongs to the stream). */
export interface ParsedProxyHeader {
  readonly header: ProxyHeader;
  readonly length: number;
}
// #endregion

// #region constants
/** The longest v1 line, CRLF included: "PROXY UNKNOWN ffff:…:ffff ffff:…:ffff 65535 65535\r\n" (spec §2.1). */
export const V1_MAX_LENGTH = 107;
/** The 12 bytes every v2 header starts with: \r\n\r\n\0\r\nQUIT\n (spec §2.2). */
export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** The longest v2 header: 16 fixed bytes and a 16-bit length. */
export const V2_MAX_LENGTH = 16 + 0xffff;
/** What a v1 line starts with. */
const V1_PREFIX = Buffer.from("PROXY ");

const FAMILIES: readonly ProxyFamily[] = ["unspec", "inet", "inet6", "unix"];
const TRANSPORTS: readonly ProxyTransport[] = ["unspec", "stream", "dgram"];
/** Bytes of the address block per family: two addresses, then two ports for inet and inet6 (spec §2.2). */
const ADDRESS_BLOCK: Record<ProxyFamily, number> = { unspec: 0, inet: 12, inet6: 36, unix: 216 };
/** Bytes of one AF_UNIX address: a path, padded with NUL bytes. */
const UNIX_PATH = 108;

const hex = (n: number): string => `0x${n.toString(16).padStart(2, "0")}`;
const PORT = /^(0|[1-9]\d{0,4})$/;
// #endregion

// #region parse
/**
 * Parses the header at the start of `data`: the header and its length, or null when `data` is a valid beginning that
 * needs more bytes. Throws ProxyProtocolError as soon as `data` cannot be the start of a header.
 */
export function parseProxyHeader(data: Uint8Array): ParsedProxyHeader | null {
  if (data.length === 0) return null;
  if (data[0] === V1_PREFIX[0]) return parseV1(data);
  if (data[0] === V2_SIGNATURE[0]) return parseV2(data);
  throw new ProxyProtocolError(`not a PROXY protocol header: it starts with byte ${hex(data[0])}, not "PROXY" or the v2 signature`);
}

/** True when the first bytes of `data` (as many as there are, up to `expected`'s length) are those of `expected`. */
const startsAs = (data: Uint8Array, expected: Buffer): boolean => {
  const n = Math.min(data.length, expected.length);
  return Buffer.from(data.buffer, data.byteOffset, n).equals(expected.subarray(0, n));
};

/** Version 1: "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n" (spec §2.1). */
export function parseV1(data: Uint8Array): ParsedProxyHeader | null {
  // TODO(task 2): parseV1. See README.md.
  throw new Error("not implemented yet — lab 11-http-proxy, task 2: parseV1");
}

/** Version 2: the signature, version and command, family and transport, length, addresses, TLVs (spec §2.2). */
export function parseV2(data: Uint8Array): ParsedProxyHeader | null {
  // TODO(task 2): parseV2. See README.md.
  throw new Error("not implemented yet — lab 11-http-proxy, task 2: parseV2");
}

/** Byte 14 of a PROXY command: one of the seven combinations the spec lists (\x00, \x11, \x12, \x21, \x22, \x31, \x32). */
export function checkFamilyByte(byte: number): void {
  const family = byte >> 4;
  const transport = byte & 0x0f;
  const fault =
    family >= FAMILIES.length ? `unknown address family ${family}`
    : transport >= TRANSPORTS.length ? `unknown transport protocol ${transport}`
    : (family === 0) !== (transport === 0) ? "an unspecified family or transport with a specified one"
    : null;
  if (fault !== null) throw new ProxyProtocolError(`v2 header: ${fault} (byte 14 is ${hex(byte)})`);
}

/** The two addresses at the start of a v2 address block; nulls for unspec (whose block is ignored). */
export function readAddresses(family: ProxyFamily, block: Uint8Array): { source: Address | null; destination: Address | null } {
  const size = ADDRESS_BLOCK[family];
  if (block.length < size) {
    throw new ProxyProtocolError(`v2 header: ${family} addresses take ${size} bytes, but the header's length leaves ${block.length}`);
  }
  const b = Buffer.from(block.buffer, block.byteOffset, size);
  switch (family) {
    case "unspec":
      return { source: null, destination: null };
    case "inet":
      return {
        source: { host: ipv4Text(b.subarray(0, 4)), port: b.readUInt16BE(8) },
        destination: { host: ipv4Text(b.subarray(4, 8)), port: b.readUInt16BE(10) },
      };
    case "inet6":
      return {
        source: { host: ipv6Text(b.subarray(0, 16)), port: b.readUInt16BE(32) },
        destination: { host: ipv6Text(b.subarray(16, 32)), port: b.readUInt16BE(34) },
      };
    case "unix": {
      const path = (p: Buffer): string => {
        const end = p.indexOf(0);
        return p.subarray(0, end < 0 ? p.length : end).toString("utf8");
      };
      return { source: { host: path(b.subarray(0, UNIX_PATH)), port: 0 }, destination: { host: path(b.subarray(UNIX_PATH)), port: 0 } };
    }
  }
}

/** The TLVs filling `rest` exactly: type (1 byte), length (2 bytes, big-endian), value. The values are copies. */
export function readTlvs(rest: Uint8Array): Tlv[] {
  const tlvs: Tlv[] = [];
  for (let at = 0; at < rest.length; ) {
    if (rest.length - at < 3) throw new ProxyProtocolError(`v2 header: a TLV runs past the header (${rest.length - at} bytes left, a TLV takes 3 or more)`);
    const type = rest[at];
    const length = (rest[at + 1] << 8) | rest[at + 2];
    if (at + 3 + length > rest.length) {
      throw new ProxyProtocolError(`v2 header: TLV ${hex(type)} runs past the header (${length} bytes, ${rest.length - at - 3} left)`);
    }
    tlvs.push({ type, value: Buffer.from(rest.subarray(at + 3, at + 3 + length)) });
    at += 3 + length;
  }
  return tlvs;
}
// #endregion

// #region encode
/** The header's bytes, in its version's format. Throws ProxyProtocolError for what that format cannot carry. */
export function encodeProxyHeader(h: ProxyHeader): Buffer {
  return h.version === 1 ? encodeV1(h) : encodeV2(h);
}

/** A header for a proxied connection from `source` to `destination`: inet or inet6, or unspec when they are not IP addresses of one family. */
export function proxyHeaderFor(source: Address, destination: Address, version: 1 | 2 = 1, tlvs: readonly Tlv[] = []): ProxyHeader {
  const family = isIP(source.host);
  if (family === 0 || family !== isIP(destination.host)) {
    // The spec's advice: UNKNOWN only when the line cannot be filled correctly.
    return noAddresses(version, "proxy");
  }
  return { version, command: "proxy", family: family === 4 ? "inet" : "inet6", transport: "stream", source, destination, tlvs };
}

/** The v2 LOCAL header a proxy sends on a connection of its own, such as a health check. */
export const localHeader = (): ProxyHeader => noAddresses(2, "local");

function encodeV1(h: ProxyHeader): Buffer {
  if (h.command === "local" || h.tlvs.length > 0) throw new ProxyProtocolError("v1 cannot carry a LOCAL command or TLVs: use version 2");
  if (h.family === "unspec") return Buffer.from("PROXY UNKNOWN\r\n", "latin1");
  if (h.family === "unix" || h.transport !== "stream") throw new ProxyProtocolError("v1 carries TCP over IPv4 or IPv6 only: use version 2");
  const { source, destination } = addressesOf(h);
  const valid = h.family === "inet" ? isStrictIPv4 : (a: string) => isIP(a) === 6;
  const text = (a: string): string => (h.family === "inet" ? a : ipv6Text(ipv6Bytes(a)));
  for (const a of [source, destination]) {
    if (!valid(a.host)) throw new ProxyProtocolError(`"${a.host}" is not an ${h.family === "inet" ? "IPv4" : "IPv6"} address`);
    checkPort(a.port);
  }
  const protocol = h.family === "inet" ? "TCP4" : "TCP6";
  return Buffer.from(`PROXY ${protocol} ${text(source.host)} ${text(destination.host)} ${source.port} ${destination.port}\r\n`, "latin1");
}

function encodeV2(h: ProxyHeader): Buffer {
  const local = h.command === "local";
  const family = local ? "unspec" : h.family;
  const transport = local ? "unspec" : h.transport;
  checkFamilyByte((FAMILIES.indexOf(family) << 4) | TRANSPORTS.indexOf(transport));
  if (family === "unspec" && h.tlvs.length > 0) throw new ProxyProtocolError("TLVs follow the addresses: an unspec or LOCAL header has none");
  const parts: Buffer[] = [encodeAddresses(h, family)];
  for (const t of h.tlvs) {
    if (!Number.isInteger(t.type) || t.type < 0 || t.type > 0xff) throw new ProxyProtocolError(`TLV type ${t.type} is not a byte`);
    if (t.value.length > 0xffff) throw new ProxyProtocolError(`TLV ${hex(t.type)}: ${t.value.length} bytes is over 65535`);
    const head = Buffer.from([t.type, t.value.length >> 8, t.value.length & 0xff]);
    parts.push(head, t.value);
  }
  const body = Buffer.concat(parts);
  if (body.length > 0xffff) throw new ProxyProtocolError(`the header's addresses and TLVs take ${body.length} bytes, over 65535`);
  const fixed = Buffer.alloc(16);
  V2_SIGNATURE.copy(fixed);
  fixed[12] = 0x20 | (local ? 0 : 1);
  fixed[13] = (FAMILIES.indexOf(family) << 4) | TRANSPORTS.indexOf(transport);
  fixed.writeUInt16BE(body.length, 14);
  return Buffer.concat([fixed, body]);
}

function encodeAddresses(h: ProxyHeader, family: ProxyFamily): Buffer {
  if (family === "unspec") return Buffer.alloc(0);
  const { source, destination } = addressesOf(h);
  const out = Buffer.alloc(ADDRESS_BLOCK[family]);
  if (family === "unix") {
    [source, destination].forEach((a, i) => {
      const path = Buffer.from(a.host, "utf8");
      if (path.length > UNIX_PATH || path.includes(0)) throw new ProxyProtocolError(`unix path "${a.host}": at most ${UNIX_PATH} bytes, no NUL`);
      path.copy(out, i * UNIX_PATH);
    });
    return out;
  }
  const size = family === "inet" ? 4 : 16;
  [source, destination].forEach((a, i) => {
    const ok = family === "inet" ? isStrictIPv4(a.host) : isIP(a.host) === 6;
    if (!ok) throw new ProxyProtocolError(`"${a.host}" is not an ${family === "inet" ? "IPv4" : "IPv6"} address`);
    checkPort(a.port);
    (family === "inet" ? ipv4Bytes(a.host) : ipv6Bytes(a.host)).copy(out, i * size);
    out.writeUInt16BE(a.port, 2 * size + 2 * i);
  });
  return out;
}

function addressesOf(h: ProxyHeader): { source: Address; destination: Address } {
  if (h.source === null || h.destination === null) throw new ProxyProtocolError(`a ${h.family} header needs a source and a destination`);
  return { source: h.source, destination: h.destination };
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ProxyProtocolError(`${port} is not a port (0 to 65535)`);
}
// #endregion

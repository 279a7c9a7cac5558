// What the PROXY protocol tests of chapter 11 share: headers built byte by byte from the tables of HAProxy's
// doc/proxy-protocol.txt, random headers for fast-check, and an incremental parse. Imports the code under test only
// through `@target/…`, so it runs against the reference or a learner's labs alike.
import fc from "fast-check";
import { ipv6Text } from "@target/11-http-proxy/ip";
import { parseProxyHeader, type ParsedProxyHeader, type ProxyHeader, type Tlv } from "@target/11-http-proxy/proxy-protocol";

/** The v2 signature, written out as the spec's §2.2 gives it. */
export const SIG = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

/** A 16-bit length or port, big-endian. */
export const u16 = (n: number): number[] => [n >> 8, n & 0xff];

/** The bytes of a v2 header: signature, version/command byte, family/transport byte, then `block` with its length. */
export const v2 = (verCmd: number, fam: number, block: number[]): Buffer => Buffer.from([...SIG, verCmd, fam, ...u16(block.length), ...block]);

/** A NUL-padded AF_UNIX address of 108 bytes. */
export const unixPath = (path: string): number[] => {
  const out = new Array<number>(108).fill(0);
  Buffer.from(path).forEach((b, i) => (out[i] = b));
  return out;
};

/** Feeds `data` to the parser a prefix at a time, as a reader would: every proper prefix must ask for more bytes. */
export function parseByPrefixes(data: Buffer, header: number): { prefixes: (ParsedProxyHeader | null)[]; whole: ParsedProxyHeader | null } {
  const prefixes: (ParsedProxyHeader | null)[] = [];
  for (let k = 1; k < header; k++) prefixes.push(parseProxyHeader(data.subarray(0, k)));
  return { prefixes, whole: parseProxyHeader(data) };
}

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((xs) => xs.join("."));
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => ipv6Text(b));
const port = fc.nat(65535);
const tlv: fc.Arbitrary<Tlv> = fc.record({ type: fc.nat(255), value: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)) });
const path = fc.stringMatching(/^\/[a-z0-9/._-]{0,100}$/);

const unspec = (version: 1 | 2): ProxyHeader => ({ version, command: "proxy", family: "unspec", transport: "unspec", source: null, destination: null, tlvs: [] });

/** Any header either version can carry, in the form the parser returns (IPv6 in RFC 5952 text). */
export const headerArb: fc.Arbitrary<ProxyHeader> = fc.oneof(
  // version 1: TCP4, TCP6, UNKNOWN
  fc.record({ host: fc.tuple(ipv4, ipv4), ports: fc.tuple(port, port) }).map(
    ({ host, ports }): ProxyHeader => ({
      version: 1, command: "proxy", family: "inet", transport: "stream",
      source: { host: host[0], port: ports[0] }, destination: { host: host[1], port: ports[1] }, tlvs: [],
    }),
  ),
  fc.record({ host: fc.tuple(ipv6, ipv6), ports: fc.tuple(port, port) }).map(
    ({ host, ports }): ProxyHeader => ({
      version: 1, command: "proxy", family: "inet6", transport: "stream",
      source: { host: host[0], port: ports[0] }, destination: { host: host[1], port: ports[1] }, tlvs: [],
    }),
  ),
  fc.constant(unspec(1)),
  // version 2: inet, inet6 (stream or dgram), unix, unspec, LOCAL; TLVs after the addresses
  fc.record({
    family: fc.constantFrom("inet" as const, "inet6" as const),
    transport: fc.constantFrom("stream" as const, "dgram" as const),
    v4: fc.tuple(ipv4, ipv4), v6: fc.tuple(ipv6, ipv6), ports: fc.tuple(port, port), tlvs: fc.array(tlv, { maxLength: 4 }),
  }).map(({ family, transport, v4, v6, ports, tlvs }): ProxyHeader => {
    const hosts = family === "inet" ? v4 : v6;
    return { version: 2, command: "proxy", family, transport, source: { host: hosts[0], port: ports[0] }, destination: { host: hosts[1], port: ports[1] }, tlvs };
  }),
  fc.record({ paths: fc.tuple(path, path), transport: fc.constantFrom("stream" as const, "dgram" as const), tlvs: fc.array(tlv, { maxLength: 2 }) }).map(
    ({ paths, transport, tlvs }): ProxyHeader => ({
      version: 2, command: "proxy", family: "unix", transport, source: { host: paths[0], port: 0 }, destination: { host: paths[1], port: 0 }, tlvs,
    }),
  ),
  fc.constant(unspec(2)),
  fc.constant<ProxyHeader>({ version: 2, command: "local", family: "unspec", transport: "unspec", source: null, destination: null, tlvs: [] }),
);

/** Bytes that start like a header more often than chance would: "P", "\r", a real header's first bytes, or anything. */
export const noiseArb: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.constantFrom(Buffer.from(""), Buffer.from("P"), Buffer.from("PROXY "), Buffer.from("PROXY TCP4 "), Buffer.from(SIG), Buffer.from([...SIG, 0x21])),
    fc.uint8Array({ maxLength: 300 }),
  )
  .map(([head, tail]) => Buffer.concat([head, tail]));

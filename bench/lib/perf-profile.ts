// Where a program's CPU goes, from Linux perf's samples: `npm run bench:cpu` (chapters 08, 11 and 13).
//
// The suites' `--profile` asks V8's sampling profiler, which samples the event loop's thread by the clock. On these two
// shared cores that says time, not CPU: a sample taken while the thread waits inside write(2) for a core that wrk or a
// backend holds counts in `writeBuffer`, and Node tells the profiler its loop is idle from before it polls until
// after, so the native part of reading the sockets counts as idle too. perf samples the CPU itself: each sample is a
// moment a core ran one of the program's threads, in user space or in the kernel, with the call chain that led there
// (Node keeps frame pointers, and V8 names its compiled code in /tmp/perf-PID.map when it runs with
// --perf-basic-prof). This file reads `perf script`'s text and puts each sample in one part; bench/cpu/run.ts runs perf.
import { join } from "node:path";
import { startsNode } from "./gc-trace";
import { profilePart } from "./profile";

/**
 * The command with Node's flags that name its compiled JavaScript (and interpreted frames) in /tmp/perf-PID.map.
 * --perf-basic-prof also turns V8's own log on, which V8 writes as isolate-…-PID-v8.log in the working folder (the
 * course's root, a file for every process measured): it goes to `logDir` instead, a scratch folder the caller removes.
 * Not /dev/null: V8 takes that name as a file like any other, and writes /dev/isolate-…-PID-null; nor, with
 * --no-logfile-per-isolate, /dev/null itself, which V8 then writes to stdout a byte at a time.
 */
export const withPerfMap = (argv: readonly string[], logDir: string): string[] =>
  startsNode(argv) ? [argv[0]!, ...PERF_MAP_FLAGS, `--logfile=${join(logDir, "v8.log")}`, ...argv.slice(1)] : [...argv];
export const PERF_MAP_FLAGS: readonly string[] = ["--perf-basic-prof", "--interpreted-frames-native-stack"];

/**
 * V8's perf map (/tmp/perf-PID.map): a line "start size name" (hexadecimal) for each piece of code V8 made, in the
 * order it made them. V8 writes no line when the collector frees code, so newer code can take the address of older
 * code and both lines stay; perf then names a sample after either. In a run of chapter 11's proxy it named the
 * optimized `flush` of 11-http-proxy/body.ts after the loader's start-up code (tsx's register, run once) that had
 * been there first: about one sample in eleven went to the wrong part. The code at an address is the one whose
 * line came last.
 */
export class PerfMap {
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];
  readonly #order: number[] = [];
  readonly #names: string[] = [];
  #longest = 0;
  readonly #found = new Map<number, string | undefined>();

  constructor(text: string) {
    const lines = text.split("\n").flatMap((line, order) => {
      const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
      return m ? [{ start: parseInt(m[1]!, 16), size: parseInt(m[2]!, 16), name: m[3]!, order }] : [];
    });
    lines.sort((a, b) => a.start - b.start || a.order - b.order);
    for (const l of lines) {
      this.#starts.push(l.start);
      this.#ends.push(l.start + l.size);
      this.#order.push(l.order);
      this.#names.push(l.name);
      this.#longest = Math.max(this.#longest, l.size);
    }
  }

  /** The name of the code at `ip`: of the last line written among those whose range holds it; undefined if none. */
  nameAt(ip: number): string | undefined {
    if (this.#found.has(ip)) return this.#found.get(ip);
    // The last line starting at or below ip, then back over every line that starts close enough to reach it.
    let lo = 0;
    let hi = this.#starts.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.#starts[mid]! <= ip) (at = mid), (lo = mid + 1);
      else hi = mid - 1;
    }
    let best = -1;
    for (let i = at; i >= 0 && this.#starts[i]! > ip - this.#longest; i--) {
      if (ip < this.#ends[i]! && (best < 0 || this.#order[i]! > this.#order[best]!)) best = i;
    }
    const name = best < 0 ? undefined : this.#names[best];
    this.#found.set(ip, name);
    return name;
  }
}

/** One frame of a call chain: its symbol and the file it was found in (`[kernel.kallsyms]`, `/usr/bin/node`, a perf map). */
export interface Frame {
  readonly sym: string;
  readonly dso: string;
}

/** One sample: the thread, and its call chain from the frame that was running outward. */
export interface Sample {
  readonly tid: number;
  readonly frames: readonly Frame[];
}

// `perf script -F tid,ip,sym,dso` prints a line with the thread's id, then one line per frame, then an empty line.
const HEADER = /^\s*(\d+)\s*$/;
// A symbol may hold spaces and parentheses ("non-virtual thunk to node::X::Y(uv_buf_t**, unsigned long*)"); the file
// is the last parenthesized group.
const FRAME = /^\s+([0-9a-f]+)\s+(.*?)\s+\(([^()]*)\)$/;

/**
 * The samples in `perf script -F tid,ip,sym,dso`'s output of a recording made with call chains (`perf record -g`).
 * `mapOf` gives the perf map a frame's file names, if it is one (null otherwise): its frames are named from the map
 * (PerfMap: the newest code at the address), not by perf.
 */
export function parsePerfScript(text: string, mapOf: (dso: string) => PerfMap | null = () => null): Sample[] {
  const samples: Sample[] = [];
  let tid = -1;
  let frames: Frame[] = [];
  const flush = (): void => {
    if (tid >= 0 && frames.length > 0) samples.push({ tid, frames });
    tid = -1;
    frames = [];
  };
  for (const line of text.split("\n")) {
    const header = HEADER.exec(line);
    if (header) {
      flush();
      tid = Number(header[1]);
      continue;
    }
    const frame = FRAME.exec(line);
    if (frame && tid >= 0) {
      const dso = frame[3]!;
      const sym = mapOf(dso)?.nameAt(parseInt(frame[1]!, 16)) ?? frame[2]!;
      frames.push({ sym, dso });
    }
    else if (line.trim() === "") flush();
  }
  flush();
  return samples;
}

// #region parts
const isKernel = (f: Frame): boolean => f.dso.startsWith("[kernel");

/** The system calls a proxy spends its kernel time in, by the kernel functions that carry them out. */
const SYSCALLS: readonly (readonly [RegExp, string])[] = [
  [/^(ksys_write|do_writev|__sys_sendto|___sys_sendmsg|__sys_sendmsg)$/, "kernel: socket writes (write, sendto)"],
  [/^(ksys_read|do_readv|__sys_recvfrom|___sys_recvmsg|__sys_recvmsg)$/, "kernel: socket reads (read, recvfrom)"],
  [/^(do_epoll_wait|do_epoll_ctl|do_epoll_pwait)$/, "kernel: epoll"],
  [/^(__sys_accept4|__sys_connect|__x64_sys_close|close_fd|__sys_shutdown|__x64_sys_shutdown)$/, "kernel: connections (accept, connect, close)"],
  [/^(exc_page_fault|do_user_addr_fault)$/, "kernel: page faults"],
];

/**
 * The kernel's part of a sample that ran in the kernel: the system call it served; the way into and out of a system
 * call (on this virtual machine that includes re-enabling interrupts through the hypervisor, a cost of every call);
 * or what it did for no call of ours (interrupts, the scheduler).
 */
function kernelPart(frames: readonly Frame[]): string {
  let handler = false;
  let syscall = false;
  for (const f of frames) {
    if (!isKernel(f)) break;
    for (const [re, part] of SYSCALLS) if (re.test(f.sym)) return part;
    if (/^(__x64_sys_|__se_sys_|__do_sys_|ksys_|__sys_)/.test(f.sym)) handler = true;
    if (f.sym === "do_syscall_64") syscall = true;
  }
  if (handler) return "kernel: other system calls";
  return syscall ? "kernel: entering and leaving system calls" : "kernel: interrupts and scheduling";
}

/** A frame of V8's compiled JavaScript (or of a compiled regular expression), named in the perf map. */
const JS = /^(?:JS|LazyCompile|Function):[*~^+]?(.*)$/;

/** A file named by its last two path segments (`11-http-proxy/exchange.ts`, `streams/writable`), as the suites' profiles name it. */
const lastTwo = (url: string): string => url.split("/").slice(-2).join("/");

/** The part of a JavaScript function, from its name and its URL: our chapters, Node's own code, libraries. */
export function jsPart(name: string, url: string): string {
  if (/\/node_modules\//.test(url)) return "libraries (node_modules)";
  if (url.startsWith("node:") || /\/\d\d-[\w-]+\/[^/]+$/.test(url)) return profilePart(name, lastTwo(url));
  return "the program's own JavaScript";
}

/** `JS:*attempt file:///…/11-http-proxy/exchange.ts:1:2736` → the function and its URL; null for any other frame. */
export function jsFrame(sym: string): { name: string; url: string } | null {
  const m = JS.exec(sym);
  if (!m) return null;
  const text = m[1]!;
  const at = /^(.*?)\s*(\S+):\d+:\d+$/.exec(text);
  if (!at) return { name: text || "(anonymous)", url: "" };
  return { name: at[1] || "(anonymous)", url: at[2]! };
}

/** V8's garbage collector, on the event loop's thread or its helpers. */
const GC = /^v8::internal::(Heap::|Scavenger|ScavengerCollector|MarkCompactCollector|MinorMarkCompactCollector|ConcurrentMarking|IncrementalMarking|Sweeper|ArrayBufferSweeper|MemoryAllocator::Unmapper|MarkingVisitor|MainMarkingVisitor|EvacuateVisitor|Evacuator)/;
/** V8's optimizing compilers, mostly on helper threads. */
const COMPILER = /^v8::internal::(compiler::|maglev::|baseline::|OptimizingCompileDispatcher|Compiler::)/;

/** What decides a user-space sample: the collector, the compiler, or the JavaScript function nearest to it. */
type Owner = "garbage collector" | "V8's compiler" | { readonly name: string; readonly url: string };

/**
 * Looking outward from the running frame, the first frame that decides: the garbage collector or the compiler; else
 * the nearest JavaScript function, which owns the V8 code, Node's C++ and libc it called (a write's user-space side
 * belongs to Node's stream code that asked for it); null when the chain holds none of them.
 */
function ownerOf(frames: readonly Frame[]): Owner | null {
  for (const f of frames) {
    if (GC.test(f.sym)) return "garbage collector";
    if (COMPILER.test(f.sym)) return "V8's compiler";
    const js = jsFrame(f.sym);
    if (js) return js;
  }
  return null;
}

/**
 * The part of a user-space sample with no owner (ownerOf): what Node was doing natively; else the native program the
 * sample ran in (HAProxy, nginx).
 */
function nativePart(frames: readonly Frame[]): string {
  for (const f of frames) {
    if (/^(uv__read|node::LibuvStreamWrap::OnUvRead|node::StreamBase::CallJSOnreadMethod|node::EmitToJSStreamListener::OnStreamRead)/.test(f.sym)) return "socket reads (Node's C++ and libuv)";
    if (/^(uv__server_io|uv__accept|node::ConnectionWrap|node::TCPWrap::Connect|uv__stream_connect)/.test(f.sym)) return "connections opened and closed";
  }
  const own = frames.find((f) => !/\/(libc|libm|libpthread|ld-linux[\w-]*|libstdc\+\+)[.-]/.test(f.dso) && f.dso !== "[unknown]");
  if (own === undefined) return "C library";
  if (/^(uv_|uv__)/.test(own.sym) || /^node::(Environment::CheckImmediate|SpinEventLoop|PerIsolatePlatformData)/.test(own.sym)) return "the event loop (libuv)";
  if (/^(v8::|Builtins_)/.test(own.sym)) return "V8's runtime (calls into JavaScript, …)";
  if (/^node::/.test(own.sym)) return "Node's C++";
  return `native code (${own.dso.split("/").pop()})`;
}

/**
 * The one part a sample counts in (a system call's kernel time, or the user-space code that ran), and the JavaScript
 * function it is charged to, if any: one walk of its chain for both.
 */
function classify(s: Sample): { part: string; fn: string | null } {
  if (s.frames.length > 0 && isKernel(s.frames[0]!)) return { part: kernelPart(s.frames), fn: null };
  const owner = ownerOf(s.frames);
  if (owner === null) return { part: nativePart(s.frames), fn: null };
  if (typeof owner === "string") return { part: owner, fn: null };
  return { part: jsPart(owner.name, owner.url), fn: `${owner.name} (${lastTwo(owner.url)})` };
}

/** The one part a sample counts in: a system call's kernel time, or the user-space code that ran. */
export const samplePart = (s: Sample): string => classify(s).part;
// #endregion

// #region summary
export interface CpuProfile {
  readonly samples: number;
  /** Samples per part, heaviest first. */
  readonly parts: readonly (readonly [string, number])[];
  /** Samples per JavaScript function (with the V8 code it called), heaviest first. */
  readonly functions: readonly (readonly [string, number])[];
  /** Samples that ran on the thread whose id is the process's (the event loop's, for Node). */
  readonly mainThread: number;
}

const heaviest = (counts: Map<string, number>): [string, number][] => [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));

/** Counts `samples` by part and by charged JavaScript function; `pid` names the main thread. */
export function summarizeSamples(samples: readonly Sample[], pid: number): CpuProfile {
  const parts = new Map<string, number>();
  const functions = new Map<string, number>();
  let mainThread = 0;
  for (const s of samples) {
    const { part, fn } = classify(s);
    parts.set(part, (parts.get(part) ?? 0) + 1);
    if (fn !== null) functions.set(fn, (functions.get(fn) ?? 0) + 1);
    if (s.tid === pid) mainThread++;
  }
  return { samples: samples.length, parts: heaviest(parts), functions: heaviest(functions), mainThread };
}

/**
 * The coarser parts a saved result keeps (the cpu suite), in the order its table shows them: the kernel's by system
 * call, our chapters' each on its own, and what Node, V8 and the C library do around them. `groupOf` maps a part to one.
 */
export const GROUPS = [
  "kernel: socket writes",
  "kernel: socket reads",
  "kernel: entering and leaving system calls",
  "kernel: epoll, connections, page faults, the rest",
  "our code: the hub (chapters 02–04)",
  "our code: green sockets (chapter 05)",
  "our code: HTTP parser and messages (chapter 07)",
  "our code: the TCP proxy (chapter 08)",
  "our code: the HTTP proxy (chapter 11)",
  "our code: observability (chapter 13)",
  "our code: other chapters",
  "Node's socket and stream code (JavaScript, C++, libuv's reads)",
  "Node's other JavaScript, libraries",
  "libuv's loop, V8's runtime",
  "garbage collector",
  "V8's compiler",
  "C library",
  "the program's own native code",
] as const;
export type Group = (typeof GROUPS)[number];

/** The group (GROUPS) a part of summarizeSamples belongs to. */
export function groupOf(part: string): Group {
  if (part.startsWith("kernel: socket writes")) return "kernel: socket writes";
  if (part.startsWith("kernel: socket reads")) return "kernel: socket reads";
  if (part.startsWith("kernel: entering")) return "kernel: entering and leaving system calls";
  if (part.startsWith("kernel:")) return "kernel: epoll, connections, page faults, the rest";
  if (/\(chapters? \d|^chapter \d/.test(part)) {
    const ours = GROUPS.find((g) => g === `our code: ${part}`);
    return ours ?? "our code: other chapters";
  }
  if (/^socket /.test(part) || part === "connections opened and closed" || part === "Node's C++") return "Node's socket and stream code (JavaScript, C++, libuv's reads)";
  if (part === "garbage collector") return "garbage collector";
  if (part === "V8's compiler") return "V8's compiler";
  if (part === "C library") return "C library";
  if (part.startsWith("the event loop") || part.startsWith("V8's runtime")) return "libuv's loop, V8's runtime";
  if (part.startsWith("native code")) return "the program's own native code";
  return "Node's other JavaScript, libraries";
}

const num = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/**
 * The table for one run: each part's share of the samples and, with the process's CPU per request from /proc, its
 * microseconds per request; then the heaviest JavaScript functions.
 */
export function profileLines(p: CpuProfile, cpuPerRequest: number, topFunctions = 12): string[] {
  if (p.samples === 0) return ["  perf recorded no sample of the program"];
  const width = Math.max(...p.parts.map(([name]) => name.length), 4);
  const lines = [`  ${"part".padEnd(width)}  µs/request   share`];
  for (const [name, n] of p.parts) {
    const share = n / p.samples;
    lines.push(`  ${name.padEnd(width)}  ${num(share * cpuPerRequest).padStart(10)}  ${(100 * share).toFixed(1).padStart(5)}%`);
  }
  if (p.functions.length > 0) {
    const top = p.functions.slice(0, topFunctions).map(([fn, n]) => `${fn} ${num((n / p.samples) * cpuPerRequest)}`);
    lines.push(`  heaviest JavaScript functions, µs/request with the V8 code and libc they called: ${top.join(", ")}`);
  }
  return lines;
}
// #endregion

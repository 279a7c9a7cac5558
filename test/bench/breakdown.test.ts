// `npm run bench:instructions -- <case> --breakdown` (bench/instructions/breakdown.ts) reads callgrind_annotate's
// report and V8's perf map, subtracts a pair's two runs function by function and groups the functions by kind of
// code; these check the reading, the naming, the arithmetic and the table, on text shaped like the tools' own.
import { describe, expect, it } from "vitest";
import { breakdownLines, breakdownRows, byKind, codeAt, kindOf, named, nameOf, parseAnnotate, parsePerfMap, perUnit, shortName } from "../../bench/instructions/breakdown";

const ROOT = "/home/learner/hub-and-spokes";

// The top of a real `callgrind_annotate --inclusive=no` report, counts shortened.
const ANNOTATE = `--------------------------------------------------------------------------------
Profile data file 'callgrind.out.23372-01' (creator: callgrind-3.19.0)
Events recorded:  Ir
--------------------------------------------------------------------------------
Ir
--------------------------------------------------------------------------------
2,104,768 (100.0%)  PROGRAM TOTALS

--------------------------------------------------------------------------------
Ir                   file:function
--------------------------------------------------------------------------------
80,142 ( 3.81%)  ./malloc/./malloc/malloc.c:_int_malloc [/usr/lib/x86_64-linux-gnu/libc.so.6]
62,841 ( 2.99%)  ???:Builtins_LoadIC [/usr/bin/node]
 4,000 ( 0.19%)  ???:Builtins_GeneratorPrototypeNext'2 [/usr/bin/node]
 1,000 ( 0.05%)  ???:Builtins_GeneratorPrototypeNext [/usr/bin/node]
   615 ( 0.03%)  ???:0x000000000d0e2180 [???]
   500 ( 0.02%)  ???:0x000000000d0e9f80 [???]
`;

// V8's --perf-basic-prof lines: start and size in hex, then the name.
const MAP = `d0e2100 200 JS:~recv file://${ROOT}/solutions/05-green-sockets/node-socket.ts:1:1795
d0e2100 200 JS:*recv file://${ROOT}/solutions/05-green-sockets/node-socket.ts:1:1795
d0e9f00 100 RegExp:^[!#$%&'*+.^_\`|~0-9A-Za-z-]+$
`;

describe("a breakdown of a count, function by function", () => {
  it("reads each function's own count from callgrind_annotate, totals and headers left out", () => {
    const counts = parseAnnotate(ANNOTATE);
    expect(counts.get("./malloc/./malloc/malloc.c:_int_malloc [/usr/lib/x86_64-linux-gnu/libc.so.6]")).toBe(80142);
    expect(counts.get("???:0x000000000d0e2180 [???]")).toBe(615);
    expect(counts.size).toBe(6);
    expect([...counts.keys()].some((k) => k.includes("TOTALS"))).toBe(false);
  });

  it("names an address from the perf map, the later entry at one start winning, and nothing outside the entries", () => {
    const map = parsePerfMap(MAP);
    expect(codeAt(map, 0xd0e2180)).toMatch(/^JS:\*recv /);
    expect(codeAt(map, 0xd0e9f80)).toMatch(/^RegExp:/);
    expect(codeAt(map, 0xd0e2300)).toBeNull(); // past the end of recv's code
    expect(codeAt(map, 0x100)).toBeNull(); // before every entry
    expect(codeAt(parsePerfMap(""), 0xd0e2180)).toBeNull();
  });

  it("gives one row per function: tiers merged, paths made relative, recursion marks and unknown files dropped", () => {
    const map = parsePerfMap(MAP);
    expect(nameOf("???:0x000000000d0e2180 [???]", map, ROOT)).toBe("recv solutions/05-green-sockets/node-socket.ts");
    expect(nameOf("???:0x0000000000000100 [???]", map, ROOT)).toBe("compiled code the map does not name");
    expect(nameOf("???:0x000000000d0e2180 [???]", null, ROOT)).toBe("compiled code the map does not name");
    expect(nameOf("???:Builtins_GeneratorPrototypeNext'2 [/usr/bin/node]", map, ROOT)).toBe("Builtins_GeneratorPrototypeNext [/usr/bin/node]");
    const counts = named(parseAnnotate(ANNOTATE), map, ROOT);
    expect(counts.get("Builtins_GeneratorPrototypeNext [/usr/bin/node]")).toBe(5000);
    expect(counts.get("recv solutions/05-green-sockets/node-socket.ts")).toBe(615);
  });

  it("subtracts a pair's runs per unit, a function found in one run only counting from zero in the other", () => {
    const small = new Map([["a", 1000], ["b", 500]]);
    const large = new Map([["a", 5000], ["c", 400]]);
    expect(Object.fromEntries(perUnit(small, large, { small: 100, large: 200 }))).toEqual({ a: 40, b: -5, c: 4 });
    expect(() => perUnit(small, large, { small: 200, large: 200 })).toThrow(/must be larger/);
  });

  it("sorts functions into kinds of code", () => {
    expect(kindOf("recv solutions/05-green-sockets/node-socket.ts")).toMatch(/own JavaScript/);
    expect(kindOf("client bench/instructions/client.ts")).toMatch(/own JavaScript/);
    expect(kindOf("writeOrBuffer node:internal/streams/writable")).toMatch(/Node's JavaScript/);
    expect(kindOf("RegExp:^[a-z]+$")).toMatch(/other compiled code/);
    expect(kindOf("compiled code the map does not name")).toMatch(/other compiled code/);
    expect(kindOf("Builtins_GeneratorPrototypeNext [/usr/bin/node]")).toMatch(/generators/);
    expect(kindOf("Builtins_KeyedLoadIC_Megamorphic [/usr/bin/node]")).toMatch(/inline-cache/);
    expect(kindOf("Builtins_StringAdd_CheckNone [/usr/bin/node]")).toMatch(/built-ins: other/);
    expect(kindOf("v8::internal::Scavenger::ScavengePage(v8::internal::MemoryChunk*) [/usr/bin/node]")).toMatch(/collector/);
    expect(kindOf("v8::Function::Call(v8::Local<v8::Context>) [/usr/bin/node]")).toMatch(/V8's runtime/);
    expect(kindOf("node::StreamBase::WriteBuffer(v8::FunctionCallbackInfo<v8::Value> const&) [/usr/bin/node]")).toMatch(/Node's C\+\+/);
    expect(kindOf("/build/out/../deps/uv/src/unix/stream.c:uv__read [/usr/bin/node]")).toBe("libuv");
    expect(kindOf("./malloc/./malloc/malloc.c:_int_free [/usr/lib/x86_64-linux-gnu/libc.so.6]")).toBe("the C library");
    expect(kindOf("_dl_relocate_object [/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2]")).toBe("the rest");
    const kinds = byKind(new Map([["a solutions/x.ts", 3], ["b solutions/y.ts", 4], ["writeOrBuffer node:internal/streams/writable", 5]]));
    expect(kinds.get("the program's own JavaScript (solutions/, bench/)")).toBe(7);
    expect(kinds.get("libuv")).toBe(0);
  });

  it("sets systems side by side, the first's count minus each other's, the functions that differ most first", () => {
    const lines = breakdownLines(
      [
        { system: "hub echo", perUnit: new Map([["recv solutions/x.ts", 470], ["_int_malloc [/usr/lib/libc.so.6]", 800]]) },
        { system: "node echo", perUnit: new Map([["_int_malloc [/usr/lib/libc.so.6]", 850], ["cb bench/io/node-echo.ts", 100]]) },
      ],
      2,
    );
    expect(lines[0]).toMatch(/hub echo\s+node echo\s+hub echo − node echo$/);
    expect(lines[1]).toMatch(/every function\s+1,270\s+950\s+\+320$/);
    expect(lines.find((l) => l.includes("own JavaScript"))).toMatch(/470\s+100\s+\+370$/);
    const functions = lines.slice(lines.findIndex((l) => l.includes("differ most")) + 1);
    expect(functions).toHaveLength(2);
    expect(functions[0]).toMatch(/recv solutions\/x\.ts\s+470\s+0\s+\+470$/);
    expect(functions[1]).toMatch(/cb bench\/io\/node-echo\.ts\s+0\s+100\s+-100$/);
    const one = breakdownLines([{ system: "hub echo", perUnit: new Map([["a solutions/x.ts", 5], ["b solutions/y.ts", 50]]) }], 1);
    expect(one.at(-2)).toMatch(/the 1 largest functions/);
    expect(one.at(-1)).toMatch(/b solutions\/y\.ts\s+50$/);
    expect(breakdownLines([], 5)).toEqual([]);
  });
});

describe("a breakdown saved as a result's rows", () => {
  it("shows a name without the object it came from (a path of the machine) or a C++ function's parameters", () => {
    expect(shortName("Builtins_RegExpPrototypeTest [/usr/bin/node]")).toBe("Builtins_RegExpPrototypeTest");
    expect(shortName("v8::internal::Runtime_StringAdd(int, unsigned long*, v8::internal::Isolate*) [/usr/local/bin/node]")).toBe("v8::internal::Runtime_StringAdd");
    expect(shortName("void v8::internal::Foo<(v8::internal::Mode)0>(v8::internal::Object) const [/usr/bin/node]")).toBe("void v8::internal::Foo<(v8::internal::Mode)0>");
    expect(shortName("recv solutions/05-green-sockets/node-socket.ts")).toBe("recv solutions/05-green-sockets/node-socket.ts");
    expect(shortName("x".repeat(120))).toHaveLength(90);
  });

  it("keeps each system's total, every kind of code and the largest functions of any system, with every system's count of each", () => {
    const rows = breakdownRows(
      "io-echo",
      "instructions/round trip",
      [
        { system: "hub echo", perUnit: new Map([["recv solutions/x.ts", 470.4], ["_int_malloc [/usr/lib/libc.so.6]", 800], ["tiny solutions/y.ts", 3]]) },
        { system: "node echo", perUnit: new Map([["_int_malloc [/usr/lib/libc.so.6]", 850], ["cb bench/io/node-echo.ts", 100]]) },
      ],
      2,
    );
    const at = (name: string, system: string): number | undefined => rows.find((r) => r.case === name && r.system === system)?.value;
    expect(at("io-echo, every function", "hub echo")).toBe(1273);
    expect(at("io-echo, by kind: the program's own JavaScript (solutions/, bench/)", "hub echo")).toBe(473);
    expect(at("io-echo, by kind: libuv", "node echo")).toBe(0);
    // Each system's two largest, ordered by the largest count of any system; the third of ours is left out.
    const functions = [...new Set(rows.filter((r) => r.case.startsWith("io-echo, function: ")).map((r) => r.case))];
    expect(functions).toEqual(["io-echo, function: _int_malloc", "io-echo, function: recv solutions/x.ts", "io-echo, function: cb bench/io/node-echo.ts"]);
    expect(at("io-echo, function: cb bench/io/node-echo.ts", "hub echo")).toBe(0);
    expect(rows.every((r) => r.unit === "instructions/round trip" && r.better === "lower" && r.min === r.value && r.max === r.value)).toBe(true);
    expect(rows.filter((r) => r.system === "hub echo")).toHaveLength(1 + 12 + 3);
  });
});

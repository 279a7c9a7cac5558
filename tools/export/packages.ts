// package.json and package-lock.json for a student copy: only the packages its files import (and their own
// dependencies), at exactly the versions of this repository's lock, so `npm ci` installs what was tested here.
// Written by hand: npm can prune a lock only by resolving against the registry, and an export must work offline.

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [key: string]: unknown;
}

export interface Lock {
  name: string;
  version: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

export interface PackageJson {
  name: string;
  version: string;
  devDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  [key: string]: unknown;
}

/** Where Node finds `name` when it is required from the package installed at `from` ("" is the root). */
function locate(lock: Lock, from: string, name: string): string | null {
  let dir = from;
  for (;;) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return null;
    const up = dir.lastIndexOf("/node_modules/");
    dir = up < 0 ? "" : dir.slice(0, up);
  }
}

/** The lock reduced to the packages reachable from `rootDeps`; throws when one of them is not in the lock. */
export function pruneLock(lock: Lock, pkg: PackageJson, rootDeps: Readonly<Record<string, string>>): Lock {
  if (lock.lockfileVersion < 2) throw new Error(`package-lock.json: lockfileVersion ${lock.lockfileVersion} is too old (need 2 or 3)`);
  const keep = new Set<string>();
  const queue: [string, string][] = Object.keys(rootDeps).map((n) => ["", n]);
  while (queue.length) {
    const [from, name] = queue.pop()!;
    const at = locate(lock, from, name);
    if (!at) {
      if (!from) throw new Error(`package-lock.json has no ${name}: run npm install first`);
      continue; // an optional or peer dependency that is not installed on this platform
    }
    if (keep.has(at)) continue;
    keep.add(at);
    const e = lock.packages[at];
    for (const deps of [e.dependencies, e.optionalDependencies, e.peerDependencies]) {
      for (const n of Object.keys(deps ?? {})) queue.push([at, n]);
    }
  }
  const packages: Record<string, LockEntry> = {
    "": { name: pkg.name, version: pkg.version, devDependencies: { ...rootDeps }, ...pickRootFields(lock.packages[""] ?? {}) },
  };
  for (const key of Object.keys(lock.packages).sort()) if (keep.has(key)) packages[key] = lock.packages[key];
  return { name: pkg.name, version: pkg.version, lockfileVersion: lock.lockfileVersion, requires: true, packages };
}

const pickRootFields = (root: LockEntry): LockEntry => (root.engines ? { engines: root.engines } : {});

/** The student's package.json: the course's, with only the given scripts and dev dependencies. */
export function studentPackage(pkg: PackageJson, scripts: Record<string, string>, deps: readonly string[]): PackageJson {
  const all = { ...pkg.dependencies, ...pkg.devDependencies };
  const devDependencies: Record<string, string> = {};
  for (const d of [...deps].sort()) {
    if (!all[d]) throw new Error(`the student copy needs ${d}, which package.json does not list`);
    devDependencies[d] = all[d];
  }
  const { scripts: _s, devDependencies: _d, dependencies: _r, ...rest } = pkg;
  return { ...rest, description: `${String(pkg.description ?? "")} Student edition.`.trim(), scripts, devDependencies };
}

// Keeps `npm run watch NN` going when a test never gives the event loop back, or takes vitest down with it. vitest's
// time limit cannot stop a synchronous endless loop: the test's worker thread stays blocked, and a save runs nothing
// again. A loop that grows an array until V8 gives up ends the whole vitest process with a native stack trace, since
// worker threads share it. So the watch runs vitest as a child it supervises: the stuck notice
// (tools/grader/stuck-notice.ts) names a stuck test on a pipe of its own (stuck-pipe.ts), and the supervisor stops
// vitest there. Either way it says what happened and starts vitest again when a file of the lab's tree is saved.
// Whenever vitest ends, the processes its tests started and left running end too (process-group.ts's Offspring), so
// a backend or a detached `npm run lb` of a stopped test does not hold its port against the next run.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { type FSWatcher, watch } from "node:fs";
import { Offspring } from "./process-group";
import { STUCK_FD_ENV, type StuckLine } from "./stuck-pipe";

/** What the supervisor runs and watches, and where it speaks. */
export interface SuperviseOptions {
  /** Node's arguments: vitest's command line. */
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** The folder whose saved `.ts` files start the tests again after a stop. */
  readonly tree: string;
  /** False for a single run (`--once`): a stuck test ends it, with exit code 1. */
  readonly restart: boolean;
  /** Where the supervisor's own sentences go. */
  readonly say: (text: string) => void;
  /** "inherit" for the learner's terminal; tests read the output through "pipe". */
  readonly stdio?: "inherit" | "pipe";
  /** Called with each vitest process started (tests read its output). */
  readonly onStart?: (child: ChildProcess) => void;
}

/** A watch under way. */
export interface Supervisor {
  /** The exit code once the watch is over: vitest ended by the learner's hand or by itself, or `stop` was called. */
  readonly done: Promise<number>;
  stop(): void;
}

/** How long vitest has to end after SIGTERM (it exits on it, and Node's exit puts the terminal back) before it is killed. */
const KILL_AFTER_MS = 2000;

/** How long a burst of file events (an editor's save writes several) is waited out before the tests start again. */
const SETTLE_MS = 200;

/** How the supervisor's sentences end while it waits for a save. */
const WAITING = "and save: the tests run again (Ctrl-C ends the watch).";

/**
 * Turns the terminal back to its usual mode after vitest ended without doing so itself: vitest's watch reads keys in
 * raw mode, and a process killed outright, or aborted by V8 (out of memory), leaves it raw: nothing echoes and Ctrl-C
 * is only a byte. `stty` is a POSIX program; where it is missing there is nothing to run.
 */
function saneTerminal(): void {
  if (process.stdin.isTTY) spawnSync("stty", ["sane"], { stdio: ["inherit", "ignore", "ignore"] });
}

/**
 * How vitest ended, when the supervisor did not stop it: by the learner (q: 0, or 1 after a failing run, since vitest
 * keeps the exit code of its last run; Ctrl-C, which it reads as a key in raw mode: 130), or by a crash (a signal, as
 * V8's fatal errors abort, or an exit code from 128 up).
 */
const crashed = (code: number | null, signal: NodeJS.Signals | null): boolean =>
  signal !== null ? signal !== "SIGINT" : code !== null && code >= 128 && code !== 130;

/** Runs vitest (`o.args`) under supervision until the learner ends it or `stop` is called. */
export function supervise(o: SuperviseOptions): Supervisor {
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));
  let stopping = false;
  let child: ChildProcess | null = null;
  // One watcher for the whole watch: a fix saved while a test is stuck (vitest cannot run it then) is not missed.
  let lastSave = 0;
  let waiting = false;
  let settle: NodeJS.Timeout | null = null;
  let watcher: FSWatcher | null = null;
  const end = (code: number): void => {
    stopping = true;
    watcher?.close();
    if (settle) clearTimeout(settle);
    finish(code);
  };
  const startAgain = (): void => {
    settle = null;
    waiting = false;
    if (!stopping) start();
  };
  if (o.restart) {
    watcher = watch(o.tree, { recursive: true }, (_event, file) => {
      if (!file || !String(file).endsWith(".ts")) return;
      lastSave = Date.now();
      if (waiting && !settle) settle = setTimeout(startAgain, SETTLE_MS);
    });
    // Without it (a folder gone, the system's limit of watched folders reached) a stop could not be followed by a start.
    watcher.on("error", (e) => {
      o.say(`\n■ The watch cannot follow the files of ${o.tree} (${e.message}): after a stop, run it again yourself.\n`);
      watcher?.close();
      watcher = null;
      if (waiting) end(1);
    });
  }

  const start = (): void => {
    let stuck: StuckLine | null = null;
    const io = o.stdio ?? "inherit";
    // Not a group of its own: vitest reads the learner's keys, which only the terminal's foreground group may.
    const offspring = new Offspring();
    const c = spawn(process.execPath, [...o.args], {
      cwd: o.cwd, env: offspring.env({ ...o.env, [STUCK_FD_ENV]: "3" }), stdio: [io, io, io, "pipe"],
    });
    offspring.adopt(c.pid);
    child = c;
    o.onStart?.(c);
    let named = "";
    c.stdio[3]?.on("data", (chunk: Buffer) => {
      named += chunk.toString();
      const at = named.indexOf("\n");
      if (at < 0 || stuck !== null) return;
      try {
        stuck = JSON.parse(named.slice(0, at)) as StuckLine;
      } catch {
        stuck = { name: named.slice(0, at), started: Date.now() };
      }
      offspring.note(); // while vitest lives: a process its tests started is found by its parent too
      c.kill("SIGTERM");
      setTimeout(() => c.kill("SIGKILL"), KILL_AFTER_MS).unref();
    });
    c.once("error", (e) => {
      o.say(`could not start the tests: ${e.message}\n`);
      end(1);
    });
    c.once("close", (code, signal) => {
      child = null;
      const left = offspring.kill();
      // Said after what ended the run, so that the learner reads the cause first.
      const ended = left > 0 ? `■ Ended ${left === 1 ? "a process" : `${left} processes`} the tests had started and left running.\n` : "";
      const say = (text: string): void => {
        if (text + ended) o.say(text + ended);
      };
      if (signal !== null || (code !== null && code >= 128)) saneTerminal();
      if (stopping) return (say(""), end(code ?? 1));
      // The learner's Ctrl-C ends the watch, even as the stuck notice came in.
      if (code === 130 || signal === "SIGINT") return (say(""), end(code ?? 130));
      if (stuck !== null) {
        if (!o.restart) {
          say(`■ Stopped the tests at "${stuck.name}".\n`);
          return end(1);
        }
        // Saved since the stuck test began: that may be the fix, which vitest could not run while the test held it.
        const savedSince = lastSave > stuck.started;
        say(`■ Stopped the tests at "${stuck.name}". ` +
          (savedSince ? "Running them again with what was saved since it began.\n" : `Fix the code it calls ${WAITING}\n`));
        return wait(savedSince);
      }
      if (!o.restart || !crashed(code, signal)) return (say(""), end(code ?? 1));
      say(`\n■ The test run ended abruptly (${signal ?? `exit code ${code}`}); its last words are above. Fix the code ${WAITING}\n`);
      wait(false);
    });
  };

  /** Waits for a save, or starts again at once; without a watcher there is nothing to wait for. */
  const wait = (now: boolean): void => {
    waiting = true;
    if (now) startAgain();
    else if (!watcher) end(1);
  };

  start();
  return {
    done,
    stop() {
      stopping = true;
      if (child) child.kill("SIGKILL");
      else end(0);
    },
  };
}

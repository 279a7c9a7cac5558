// Writing log lines without ever making the hub wait: a bounded buffer in memory, emptied by asynchronous writes to
// a file or standard output, one at a time; what does not fit is dropped and counted. Built in chapter 13 (lab task 5).
//
// Limits, all explicit:
//   - at most `maxBytes` of lines wait in the buffer (default 1 MiB), plus the one batch being written: a log
//     never holds more than twice `maxBytes` in memory, however slow the disk or the reader of stdout;
//   - a line that does not fit is dropped whole (never cut) and counted in `dropped`;
//   - a write that fails loses its lines, counted in `lost`; the writer goes on with the next batch.
import * as fs from "node:fs";

// #region line-buffer
/** Lines waiting to be written, oldest first, bounded by their size in bytes (UTF-8, with their newline). */
export class LineBuffer {
  #lines: string[] = [];
  #bytes = 0;
  /** Lines refused because they did not fit. */
  dropped = 0;

  constructor(readonly maxBytes: number) {
    if (!Number.isInteger(maxBytes) || maxBytes <= 0) throw new RangeError(`maxBytes must be a positive integer, not ${maxBytes}`);
  }

  /** Bytes waiting, newlines included. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Lines waiting. */
  get length(): number {
    return this.#lines.length;
  }

  /**
   * Adds `line` (without its newline) if it fits: its UTF-8 bytes plus one for the newline, added to what waits,
   * stay within `maxBytes`. Otherwise counts it in `dropped` and returns false. Never waits.
   */
  push(line: string): boolean {
    if (line.includes("\n")) throw new Error("a log line may not contain a newline");
    // TODO(task 5): LineBuffer.push. See README.md.
    throw new Error("not implemented yet — lab 13-observability, task 5: LineBuffer.push");
  }

  /** Takes every waiting line, oldest first, as one string, each line ended by "\n"; "" when none waits. */
  take(): string {
    // TODO(task 5): LineBuffer.take. See README.md.
    throw new Error("not implemented yet — lab 13-observability, task 5: LineBuffer.take");
  }
}
// #endregion

// #region sink
/**
 * Where a LogWriter's bytes go. Every method returns at once and calls `done` later (or at once): none may block,
 * since the writer calls them from the hub's thread. The writer never calls one before the last one's `done`.
 */
export interface LogSink {
  write(data: string, done: (error: Error | null) => void): void;
  /** Opens the file again by its name (after a rotation renamed it); nothing for stdout. */
  reopen(done: (error: Error | null) => void): void;
  close(done: (error: Error | null) => void): void;
}

/** Writes all of `data` to `fd` with Node's asynchronous fs.write (the thread pool's, not the hub's, time). */
function writeAll(fd: number, data: Buffer, done: (error: Error | null) => void): void {
  fs.write(fd, data, 0, data.length, null, (error, written) => {
    if (error !== null) {
      // A non-blocking pipe that is full: try again a little later, as a blocking write would have waited.
      if (error.code === "EAGAIN") setTimeout(() => writeAll(fd, data, done), 10);
      else done(error);
    } else if (written < data.length) writeAll(fd, data.subarray(written), done);
    else done(null);
  });
}

/** Appends to the file at `path`, creating it; `reopen` closes it and opens `path` again (a new file after a rename). */
export function fileSink(path: string): LogSink {
  let fd: number | null = null;
  const open = (done: (error: Error | null) => void): void => {
    fs.open(path, "a", (error, f) => {
      if (error === null) fd = f;
      done(error);
    });
  };
  const closeFd = (done: (error: Error | null) => void): void => {
    const old = fd;
    fd = null;
    if (old === null) done(null);
    else fs.close(old, (error) => done(error));
  };
  return {
    write(data, done) {
      const buf = Buffer.from(data, "utf8");
      if (fd !== null) return writeAll(fd, buf, done);
      open((error) => (error !== null ? done(error) : writeAll(fd!, buf, done)));
    },
    reopen: (done) => closeFd(() => open(done)),
    close: closeFd,
  };
}

/**
 * Standard output, by its file descriptor and fs.write. Not process.stdout: on POSIX it writes synchronously to a
 * file or a terminal (Node's "A note on process I/O"), which would make the hub wait for the disk or the terminal,
 * and to a pipe it writes asynchronously into a buffer of its own with no bound.
 */
export function stdoutSink(): LogSink {
  return {
    write: (data, done) => writeAll(1, Buffer.from(data, "utf8"), done),
    reopen: (done) => done(null),
    close: (done) => done(null),
  };
}
// #endregion

// #region log-writer
export interface LogWriterOptions {
  /** A file to append to; null or absent: standard output. */
  readonly path?: string | null;
  /** Bytes of lines that may wait to be written; past them lines are dropped. @default 1048576 (1 MiB) */
  readonly maxBytes?: number;
  /** Where the bytes go instead (tests, another destination). @default fileSink(path) or stdoutSink() */
  readonly sink?: LogSink;
}

/**
 * A log that never makes its caller wait: `write` buffers a line (or drops it) and returns; batches go to the sink
 * one at a time, in order, with a reopen between two batches when asked for.
 */
export class LogWriter {
  readonly buffer: LineBuffer;
  readonly sink: LogSink;
  /** Lines handed to the sink and written, and lines lost in writes that failed. */
  written = 0;
  lost = 0;
  /** The last error of a write or reopen, for a reader to see; the writer goes on. */
  lastError: Error | null = null;
  #writing = false;
  #reopen = false;
  #closed = false;
  #idle: (() => void)[] = [];

  constructor(options: LogWriterOptions = {}) {
    this.buffer = new LineBuffer(options.maxBytes ?? 1_048_576);
    this.sink = options.sink ?? (options.path == null ? stdoutSink() : fileSink(options.path));
  }

  /** Lines dropped because the buffer was full (or the writer closed): the metric to watch. */
  get dropped(): number {
    return this.buffer.dropped;
  }

  /** Queues `line` (no newline in it) and returns at once: true if it will be written, false if it was dropped. */
  write(line: string): boolean {
    if (this.#closed) {
      this.buffer.dropped++;
      return false;
    }
    if (!this.buffer.push(line)) return false;
    this.#pump();
    return true;
  }

  /** Opens the file again before the next batch: after `mv access.log access.log.1`, new lines go to a new access.log. */
  reopen(): void {
    this.#reopen = true;
    this.#pump();
  }

  /** Resolves once every line written so far has reached the sink (or failed). */
  flush(): Promise<void> {
    if (!this.#writing && this.buffer.length === 0 && !this.#reopen) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Flushes, then closes the sink; lines written after this are dropped. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
    await new Promise<void>((resolve) => this.sink.close(() => resolve()));
  }

  /** Starts the next step if none is under way: a reopen asked for, else a batch of every waiting line. */
  #pump(): void {
    // TODO(task 5): LogWriter.pump. See README.md.
    throw new Error("not implemented yet — lab 13-observability, task 5: LogWriter.pump");
  }

  /** A step ended: counts its lines as written or lost, then starts the next one. */
  #stepped(error: Error | null, lines: number): void {
    this.#writing = false;
    if (error !== null) {
      this.lastError = error;
      this.lost += lines;
    } else this.written += lines;
    this.#pump();
  }
}

/**
 * Reopens `writer` on each of `signals` (what logrotate sends after it renamed the file; nginx reopens its logs on
 * SIGUSR1). Returns the function that removes the handlers. Node starts its debugger on SIGUSR1 unless a handler
 * is installed: this one replaces that.
 */
export function reopenOnSignals(writer: { reopen(): void }, signals: readonly NodeJS.Signals[] = ["SIGUSR1", "SIGHUP"]): () => void {
  const handler = (): void => writer.reopen();
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
// #endregion

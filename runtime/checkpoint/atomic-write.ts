import { randomBytes } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/** A file could not be written; the message names the file and the system's reason. */
export class WriteFileError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`cannot write \`${path}\`: ${reason}`);
    this.name = "WriteFileError";
  }
}

export interface AtomicWriteOptions {
  /** Bytes handed to one write call (default 4 MiB). */
  chunkBytes?: number;
  /** Called after every chunk reaches the temporary file (for progress; tests use it to crash mid-write). */
  onProgress?(written: number, total: number): void;
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Make a rename durable: fsync the folder that holds the entry. Not every platform can open a folder, so this is best effort. */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Windows cannot fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function temporaryBeside(path: string): string {
  return join(dirname(resolve(path)), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

/**
 * Fail now, as `writeFileAtomic(path, …)` would later: a run checks where its results go before
 * its first epoch instead of losing them at the end. Creates and removes the temporary file the
 * write would use, so nothing is left behind.
 */
export function checkWritable(path: string): void {
  if (existsSync(path) && statSync(path).isDirectory()) throw new WriteFileError(path, "it is a folder");
  const tmp = temporaryBeside(path);
  try {
    closeSync(openSync(tmp, "wx"));
    unlinkSync(tmp);
  } catch (e) {
    throw new WriteFileError(path, reason(e));
  }
}

/**
 * Create folder `dir` and its missing parents, one at a time: Node's `mkdirSync(…, { recursive })`
 * never returns for some unwritable paths (below /proc on Linux). A WriteFileError when it cannot.
 */
export function createFolder(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) missing.unshift(d);
  try {
    for (const d of missing) mkdirSync(d);
    if (!statSync(dir).isDirectory()) throw new Error("ENOTDIR: not a folder");
  } catch (e) {
    throw new WriteFileError(dir, reason(e));
  }
}

/**
 * Write a file so that it is either the old content or the whole new content, never a mix: the
 * bytes go to a temporary file in the same folder (a rename is only atomic within one file
 * system), which is fsynced, then renamed over `path`. A crash at any point leaves `path` as it
 * was (at worst a stray `.NAME.*.tmp` beside it).
 */
export function writeFileAtomic(path: string, content: string | Uint8Array | readonly Uint8Array[], options: AtomicWriteOptions = {}): void {
  const parts = typeof content === "string" ? [new TextEncoder().encode(content)] : content instanceof Uint8Array ? [content] : content;
  const total = parts.reduce((n, p) => n + p.length, 0);
  const chunk = options.chunkBytes ?? 4 << 20;
  const dir = dirname(resolve(path));
  const tmp = temporaryBeside(path);

  let fd: number;
  try {
    fd = openSync(tmp, "wx");
  } catch (e) {
    throw new WriteFileError(path, reason(e));
  }
  try {
    let before = 0; // bytes of the parts already written
    for (const part of parts) {
      for (let at = 0; at < part.length; ) {
        at += writeSync(fd, part, at, Math.min(chunk, part.length - at));
        options.onProgress?.(before + at, total);
      }
      before += part.length;
    }
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to clean up
    }
    throw e instanceof WriteFileError ? e : new WriteFileError(path, reason(e));
  }
  syncFolder(dir);
}

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Transpiled } from "./transpile.js";

/**
 * User passes that type-checked, transpiled, by content hash: a pass loads in milliseconds after
 * its first check. The key covers the text and gnnc's version (the API it was checked against).
 * The cache lives in `$GNNC_CACHE_DIR/passes`, else `$XDG_CACHE_HOME/gnnc/passes`, else
 * `~/.cache/gnnc/passes`; a cache that cannot be written is skipped, never an error.
 */

export function cacheKey(text: string, version: string): string {
  return createHash("sha256").update(version).update("\0").update(text).digest("hex");
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GNNC_CACHE_DIR) return join(env.GNNC_CACHE_DIR, "passes");
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "gnnc", "passes");
}

export function readCached(dir: string, key: string): Transpiled | undefined {
  try {
    const entry = JSON.parse(readFileSync(join(dir, `${key}.json`), "utf8")) as Partial<Transpiled>;
    return typeof entry.code === "string" && typeof entry.map === "string" ? { code: entry.code, map: entry.map } : undefined;
  } catch {
    return undefined;
  }
}

export function writeCached(dir: string, key: string, t: Transpiled): void {
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, `${key}.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(t));
    renameSync(tmp, join(dir, `${key}.json`)); // whole or absent, never half-written
  } catch {
    // A read-only home or a full disk costs the next load a type-check, nothing more.
  }
}

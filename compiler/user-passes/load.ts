import { readFileSync } from "node:fs";
import type { Diagnostic } from "../../grammar/diagnostics.js";
import { error } from "../../grammar/diagnostics.js";
import * as irApi from "../api/ir.js";
import * as passesApi from "../api/passes.js";
import { GNNC_VERSION } from "../api/version.js";
import { PASS_CODES } from "../passes/codes.js";
import type { AnyPass } from "../passes/pass.js";
import { placeholderSpan } from "../../grammar/span.js";
import { cacheKey, defaultCacheDir, readCached, writeCached } from "./cache.js";
import { guardPass } from "./guard.js";
import { thrownAt } from "./locate.js";
import { evaluateModule, ForbiddenImportError, TimeoutError } from "./sandbox.js";
import { checkPassShape } from "./shape.js";
import { transpilePass, type Transpiled } from "./transpile.js";
import { spanIn, typecheckPass } from "./typecheck.js";

/**
 * Loading a user pass: a `.ts` file whose default export is a `Pass`. It is type-checked against
 * the published API (typecheck.ts), transpiled (transpile.ts; cached by content hash), evaluated
 * with only gnnc's API importable (sandbox.ts), checked to be a Pass (shape.ts), and wrapped so
 * that running it cannot crash or hang the pipeline (guard.ts). Every problem is a diagnostic
 * located in the `.ts` file; the caller adds a label at the `.gnn` text that named the pass.
 */

export interface UserPassOptions {
  /** Reads the file (the CLI records what it reads, to print source frames); the file system by default. */
  readFile?: (path: string) => string | undefined;
  /** Time limit of the module's top level and of each run, in ms (default $GNNC_PASS_TIMEOUT_MS, else 10 000). */
  timeoutMs?: number;
  /** Where type-checked passes are cached; false: no cache. */
  cacheDir?: string | false;
}

export interface LoadedUserPass {
  pass?: AnyPass;
  diagnostics: Diagnostic[];
  /** True when the type-check was skipped because the cache had this exact text. */
  cached?: boolean;
}

/** What the module's `require` hands out: the API a pass is type-checked against, nothing else. */
const API: Readonly<Record<string, unknown>> = { "gnnc/ir": irApi, "gnnc/passes": passesApi };

/** Passes loaded in this process, by content hash: a pass named twice (CLI and train block) loads once. */
const loaded = new Map<string, AnyPass>();

export function loadUserPass(path: string, options: UserPassOptions = {}): LoadedUserPass {
  const text = (options.readFile ?? readOrUndefined)(path);
  if (text === undefined) {
    return { diagnostics: [error(PASS_CODES.userPassUnreadable.code, `cannot read user pass \`${path}\``, placeholderSpan(path), { help: "the path is relative to the .gnn file that names it" })] };
  }
  const timeoutMs = options.timeoutMs ?? (Number(process.env.GNNC_PASS_TIMEOUT_MS) || 10_000);
  const key = cacheKey(text, GNNC_VERSION);
  const known = loaded.get(`${key}:${path}:${timeoutMs}`);
  if (known) return { pass: known, diagnostics: [], cached: true };

  const dir = options.cacheDir === false ? undefined : (options.cacheDir ?? defaultCacheDir());
  let transpiled = dir ? readCached(dir, key) : undefined;
  const cached = transpiled !== undefined;
  if (!transpiled) {
    const problems = typecheckPass(text, path);
    if (problems.length) return { diagnostics: problems };
    transpiled = transpilePass(text, path);
    if (dir) writeCached(dir, key, transpiled);
  }

  const scriptName = `${path}#transpiled`;
  let exports: Record<string, unknown>;
  try {
    exports = evaluateModule(transpiled.code, scriptName, API, timeoutMs);
  } catch (e) {
    return { diagnostics: [loadFailure(e, path, text, scriptName, transpiled)] };
  }
  const shape = checkPassShape(exports.default, text, path);
  if (!shape.pass) return { diagnostics: shape.diagnostics };
  const pass = guardPass({ pass: shape.pass, path, text, transpiled, scriptName, timeoutMs });
  loaded.set(`${key}:${path}:${timeoutMs}`, pass);
  return { pass, diagnostics: [], cached };
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function loadFailure(e: unknown, path: string, text: string, scriptName: string, transpiled: Transpiled): Diagnostic {
  if (e instanceof ForbiddenImportError) {
    const at = Math.max(0, text.indexOf(`"${e.specifier}"`), text.indexOf(`'${e.specifier}'`));
    return error(PASS_CODES.userPassLoadFailed.code, `user pass ${path}: ${e.message}`, spanIn(text, path, at, at + e.specifier.length + 2), {
      help: "a pass transforms IR and nothing else; what it needs is in gnnc/ir and gnnc/passes",
    });
  }
  const span = thrownAt(e, scriptName, transpiled, text, path) ?? placeholderSpan(path);
  const why = e instanceof TimeoutError ? `its top level ${e.message}` : `its top level threw: ${e instanceof Error ? e.message : String(e)}`;
  return error(PASS_CODES.userPassLoadFailed.code, `user pass ${path} failed to load: ${why}`, span);
}

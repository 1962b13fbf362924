import type { Diagnostic } from "../../grammar/diagnostics.js";
import { error } from "../../grammar/diagnostics.js";
import type { Span } from "../../grammar/span.js";
import type { Module } from "../ir/types.js";
import { PASS_CODES } from "../passes/codes.js";
import type { AnyPass, PassContext, PassResult } from "../passes/pass.js";
import { placeholderSpan } from "../../grammar/span.js";
import { thrownAt } from "./locate.js";
import { callWithin, TimeoutError } from "./sandbox.js";
import type { Transpiled } from "./transpile.js";

/** The user's pass and what is needed to report on it. */
export interface LoadedCode {
  pass: AnyPass;
  path: string;
  text: string;
  transpiled: Transpiled;
  scriptName: string;
  timeoutMs: number;
}

/**
 * A user pass wrapped so that it cannot hurt the pipeline: it runs on a frozen copy of the input
 * (a write throws, and is reported as a mutation), under a time limit, and whatever it throws
 * becomes a diagnostic located in its own file with a label at the entry that named it. Its
 * result is then checked and verified by the pass manager like any pass's.
 */
export function guardPass(code: LoadedCode): AnyPass {
  const user = code.pass;
  return {
    ...user,
    run(module: Module, ctx: PassContext, options: Record<string, unknown>): PassResult {
      const input = deepFreeze(structuredClone(module));
      try {
        return callWithin(code.timeoutMs, () => user.run(input, ctx, options));
      } catch (e) {
        return { module, changed: false, diagnostics: [failure(e, code, ctx.span)] };
      }
    },
  };
}

function failure(e: unknown, code: LoadedCode, entry: Span | undefined): Diagnostic {
  const name = `\`${code.pass.name}\` (${code.path})`;
  const at = thrownAt(e, code.scriptName, code.transpiled, code.text, code.path);
  const labels = entry ? [{ span: entry, message: "the pass is run here" }] : [];
  const where = at ?? entry ?? placeholderSpan(code.path);
  if (e instanceof TimeoutError) {
    return error(PASS_CODES.userPassTimeout.code, `user pass ${name} ${e.message}`, entry ?? where, {
      help: "a pass should walk the module once; look for a loop that never ends (GNNC_PASS_TIMEOUT_MS raises the limit)",
    });
  }
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof TypeError && /read[- ]only|not extensible|Cannot (assign|add|delete|define)/i.test(message)) {
    return error(PASS_CODES.userPassMutated.code, `user pass ${name} changed its input module: ${message}`, where, {
      labels,
      help: "IR is immutable: build new nodes and return a new module (see mapFuncs and rewriteFunc in gnnc/ir)",
    });
  }
  return error(PASS_CODES.userPassThrew.code, `user pass ${name} threw: ${message}`, where, {
    labels,
    help: "report problems as diagnostics in the pass's result instead of throwing",
  });
}

/** Freeze an object graph (a structured clone of a module: plain objects and arrays). */
function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
  return value;
}

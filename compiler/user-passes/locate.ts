import { SourceMap } from "node:module";
import type { Span } from "../../grammar/span.js";
import { WRAPPER_PREFIX } from "./sandbox.js";
import type { Transpiled } from "./transpile.js";
import { spanIn } from "./typecheck.js";

/**
 * Where in the user's `.ts` file an error was thrown: the first stack frame in the transpiled
 * module, mapped back through its source map. Undefined when no frame is the pass's own.
 */
export function thrownAt(e: unknown, scriptName: string, transpiled: Transpiled, text: string, path: string): Span | undefined {
  const stack = e instanceof Error ? (e.stack ?? "") : "";
  const escaped = scriptName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const frame = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(stack);
  if (!frame) return undefined;
  // The module's code sits inside a one-line function header in the same line (sandbox.ts): columns of line 1 shift.
  const line = Number(frame[1]) - 1;
  const column = Number(frame[2]) - 1 - (line === 0 ? WRAPPER_PREFIX.length : 0);
  const entry = new SourceMap(JSON.parse(transpiled.map)).findEntry(line, Math.max(0, column));
  if (!("originalLine" in entry)) return undefined;
  const lines = text.split("\n");
  let offset = 0;
  for (let k = 0; k < entry.originalLine && k < lines.length; k++) offset += lines[k].length + 1;
  offset += entry.originalColumn;
  return spanIn(text, path, offset, offset + 1);
}

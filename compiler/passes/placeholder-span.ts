import type { Span } from "../../grammar/span.js";

/** Spans are required on diagnostics; pipeline entries built in code have no source, so they point here. */
export function placeholderSpan(file = "<pipeline>"): Span {
  const at = { offset: 0, line: 1, column: 1 };
  return { file, start: at, end: at };
}

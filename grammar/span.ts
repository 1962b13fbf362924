/** A position in a source file. `line` and `column` are 1-based; `offset` is a 0-based UTF-16 index. */
export interface Pos {
  offset: number;
  line: number;
  column: number;
}

/** A half-open source range [start, end) in one file. */
export interface Span {
  file: string;
  start: Pos;
  end: Pos;
}

/** The smallest span covering both `a` and `b` (which must be in the same file). */
export function joinSpans(a: Span, b: Span): Span {
  const start = a.start.offset <= b.start.offset ? a.start : b.start;
  const end = a.end.offset >= b.end.offset ? a.end : b.end;
  return { file: a.file, start, end };
}

/** `file:line:col`, the form every diagnostic and IR location uses. */
export function formatLocation(span: Span): string {
  return `${span.file}:${span.start.line}:${span.start.column}`;
}

/** Spans are required on diagnostics; pipeline entries built in code have no source, so they point here. */
export function placeholderSpan(file = "<pipeline>"): Span {
  const at = { offset: 0, line: 1, column: 1 };
  return { file, start: at, end: at };
}

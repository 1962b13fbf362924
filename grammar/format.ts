import type { Diagnostic, Severity } from "./diagnostics.js";
import { formatLocation, type Span } from "./span.js";
import { displayLine, type DisplayLine } from "./display-line.js";

export interface FormatOptions {
  /** ANSI colours, for a terminal. Off by default. */
  color?: boolean;
}

/**
 * Renders one diagnostic the way rustc does:
 *
 *     error[E101]: expected `)` to close the argument list, found `=`
 *      --> examples/bad.gnn:3:21
 *       |
 *     3 |   conv = GCNConv(16 = 7)
 *       |                     ^ expected `,` or `)`
 *       |
 *       = help: separate arguments with commas
 *
 * `^` marks the primary span (on its first line); a label whose span equals the primary span supplies
 * the text after the carets. Other labels in the same file are underlined with `-` in the same frame;
 * labels in other files get a `::: file:line:col` frame of their own. A file whose text `source` cannot
 * supply is shown by location only.
 */
export function formatDiagnostic(
  d: Diagnostic,
  source: (file: string) => string | undefined,
  opts: FormatOptions = {},
): string {
  const paint = painter(opts.color === true);
  const text = readSource(source, d.span.file);
  const labels = d.labels ?? [];
  const primaryLabel = labels.find((l) => sameSpan(l.span, d.span));
  const annotations: Annotation[] = [{ span: d.span, message: primaryLabel?.message, primary: true }];
  const elsewhere = new Map<string, Annotation[]>();
  for (const label of labels) {
    if (label === primaryLabel) continue;
    const annotation = { span: label.span, message: label.message, primary: false };
    if (label.span.file === d.span.file) annotations.push(annotation);
    else elsewhere.set(label.span.file, [...(elsewhere.get(label.span.file) ?? []), annotation]);
  }

  const allLines = [...annotations, ...[...elsewhere.values()].flat()].map((a) => a.span.start.line);
  const width = Math.max(1, ...allLines.filter(Number.isFinite).map((n) => String(n).length));
  const pad = " ".repeat(width);
  const bar = paint.frame(`${pad} |`);
  const severity = paint.severity(d.severity, d.code ? `${d.severity}[${d.code}]` : d.severity);
  const out = [`${severity}${paint.bold(`: ${d.message}`)}`, `${pad}${paint.frame("-->")} ${formatLocation(d.span)}`];

  out.push(...frame(text, annotations, width, d.severity, paint));
  for (const [file, group] of elsewhere) {
    out.push(`${pad}${paint.frame(":::")} ${formatLocation(group[0].span)}`);
    out.push(...frame(readSource(source, file), group, width, d.severity, paint));
  }
  if (d.help) out.push(bar, `${pad} ${paint.frame("=")} ${paint.bold("help")}: ${d.help}`);
  return out.join("\n");
}

interface Annotation {
  span: Span;
  message?: string;
  primary: boolean;
}

/** The source lines of `annotations` (one file) with their underlines, or notes when the text is missing. */
function frame(text: string | undefined, annotations: Annotation[], width: number, severity: Severity, paint: Painter): string[] {
  const pad = " ".repeat(width);
  const bar = paint.frame(`${pad} |`);
  const placed = annotations.filter((a) => Number.isFinite(a.span.start.offset) && Number.isFinite(a.span.start.line));
  if (text === undefined || placed.length === 0) {
    return annotations.filter((a) => a.message).map((a) => `${pad} ${paint.frame("=")} ${paint.bold("note")}: ${a.message}`);
  }
  const byLine = new Map<number, Annotation[]>();
  for (const a of placed) byLine.set(a.span.start.line, [...(byLine.get(a.span.start.line) ?? []), a]);
  const lines = [...byLine.keys()].sort((a, b) => a - b);

  const out = [bar];
  let previous: number | undefined;
  for (const line of lines) {
    const group = byLine.get(line)!;
    const start = lineStartOf(text, Math.min(group[0].span.start.offset, text.length));
    if (previous !== undefined && line - previous === 2) {
      out.push(sourceRow(line - 1, displayLine(lineText(text, previousLineStart(text, start))), width, paint));
    } else if (previous !== undefined && line - previous > 2) out.push(paint.frame("..."));
    previous = line;

    const content = lineText(text, start);
    const view = displayLine(content, group.map((a) => a.span.start.offset - start));
    out.push(sourceRow(line, view, width, paint));
    group.sort((a, b) => Number(b.primary) - Number(a.primary) || a.span.start.offset - b.span.start.offset);
    for (const a of group) out.push(underlineRow(a, start, content.length, view, severity, bar, paint));
  }
  return out;
}

function sourceRow(line: number, view: DisplayLine, width: number, paint: Painter): string {
  const gutter = paint.frame(`${String(line).padStart(width)} |`);
  return view.text.length > 0 ? `${gutter} ${view.text}` : gutter;
}

function underlineRow(
  a: Annotation,
  lineStart: number,
  lineLength: number,
  view: DisplayLine,
  severity: Severity,
  bar: string,
  paint: Painter,
): string {
  // The underline covers the span on its first line only.
  const from = Math.min(lineLength, Math.max(0, a.span.start.offset - lineStart));
  const to = Math.min(lineLength, a.span.end.offset - lineStart);
  const col = view.column(from);
  const length = Math.max(1, view.column(Math.max(to, from)) - col);
  const mark = (a.primary ? "^" : "-").repeat(length);
  const painted = a.primary ? paint.severity(severity, mark) : paint.frame(mark);
  const message = a.message ? ` ${a.primary ? paint.severity(severity, a.message) : paint.frame(a.message)}` : "";
  return `${bar} ${" ".repeat(col)}${painted}${message}`;
}

function readSource(source: (file: string) => string | undefined, file: string): string | undefined {
  try {
    return source(file);
  } catch {
    return undefined; // a missing file shows as a location only
  }
}

function sameSpan(a: Span, b: Span): boolean {
  return a.file === b.file && a.start.offset === b.start.offset && a.end.offset === b.end.offset;
}

function lineStartOf(text: string, offset: number): number {
  let i = Math.max(0, offset);
  while (i > 0 && text[i - 1] !== "\n" && text[i - 1] !== "\r") i--;
  return i;
}

function previousLineStart(text: string, start: number): number {
  let i = start;
  if (text[i - 1] === "\n") i--;
  if (text[i - 1] === "\r") i--;
  return lineStartOf(text, i);
}

function lineText(text: string, start: number): string {
  let end = start;
  while (end < text.length && text[end] !== "\n" && text[end] !== "\r") end++;
  return text.slice(start, end);
}

// ---------------------------------------------------------------- colour

interface Painter {
  severity(s: Severity, text: string): string;
  frame(text: string): string;
  bold(text: string): string;
}

const SEVERITY_COLOUR: Record<Severity, string> = { error: "\x1b[1;31m", warning: "\x1b[1;33m", note: "\x1b[1;32m" };

function painter(color: boolean): Painter {
  if (!color) return { severity: (_, t) => t, frame: (t) => t, bold: (t) => t };
  const wrap = (code: string, t: string) => `${code}${t}\x1b[0m`;
  return {
    severity: (s, t) => wrap(SEVERITY_COLOUR[s], t),
    frame: (t) => wrap("\x1b[1;34m", t),
    bold: (t) => wrap("\x1b[1m", t),
  };
}

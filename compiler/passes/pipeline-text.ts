import { error, type Diagnostic } from "../../grammar/diagnostics.js";
import type { Pos, Span } from "../../grammar/span.js";
import { PASS_CODES } from "./codes.js";

/**
 * The textual pipeline form used by `--passes` and tests:
 *
 *   pipeline := entry ("," entry)*
 *   entry    := (NAME | PATH) ("{" option ("," option)* "}")?
 *   option   := NAME "=" VALUE          VALUE: a bare word, or a "double-quoted" string
 *
 * e.g. `shape-inference,cse,dce`, `sparsify{density=0.1,method=rigl}` or `cse,./my-pass.ts{p=0.2}`
 * (a PATH starts with `./`, `../` or `/` and names a user pass). Parsing recovers at the
 * next top-level comma, so one bad entry does not hide errors in the others. Values stay text
 * here; the option schema of the named pass decides how to read them.
 */

export interface TextOption {
  key: string;
  value: string;
  keySpan: Span;
  valueSpan: Span;
}

export interface TextEntry {
  name: string;
  /** The pass name only. */
  nameSpan: Span;
  /** The whole entry, options included. */
  span: Span;
  options: TextOption[];
}

const NAME = /[A-Za-z_][A-Za-z0-9_.-]*/y;
const NAME_OR_PATH = /\.{0,2}\/[A-Za-z0-9_.\/@+-]*|[A-Za-z_][A-Za-z0-9_.-]*/y;

/** True for a pipeline entry that names a user pass's file rather than a registered pass. */
export function isPassPath(name: string): boolean {
  return /^\.{0,2}\//.test(name);
}

/** Recoverable syntax error inside one entry. */
class EntryError {
  constructor(
    readonly message: string,
    readonly at: number,
    readonly help?: string,
  ) {}
}

export function parsePipelineText(text: string, file = "<pipeline>"): { entries: TextEntry[]; diagnostics: Diagnostic[] } {
  const span = spanMaker(text, file);
  const entries: TextEntry[] = [];
  const diagnostics: Diagnostic[] = [];
  let pos = skipSpace(text, 0);
  if (pos === text.length) return { entries, diagnostics }; // an empty pipeline runs nothing

  while (pos <= text.length) {
    try {
      const { entry, end } = parseEntry(text, pos, span);
      entries.push(entry);
      pos = skipSpace(text, end);
    } catch (e) {
      if (!(e instanceof EntryError)) throw e;
      const at = Math.min(e.at, text.length);
      diagnostics.push(
        error(PASS_CODES.pipelineSyntax.code, e.message, span(at, Math.min(at + 1, text.length)), e.help ? { help: e.help } : {}),
      );
      pos = nextTopLevelComma(text, pos, at);
    }
    if (pos >= text.length) break;
    if (text[pos] !== ",") {
      diagnostics.push(
        error(PASS_CODES.pipelineSyntax.code, `expected \`,\` between passes, found \`${text[pos]}\``, span(pos, pos + 1)),
      );
      pos = nextTopLevelComma(text, pos, pos);
      if (pos >= text.length) break;
    }
    pos = skipSpace(text, pos + 1); // past the comma
    if (pos >= text.length) {
      diagnostics.push(error(PASS_CODES.pipelineSyntax.code, "expected a pass name after `,`", span(text.length, text.length)));
      break;
    }
  }
  return { entries, diagnostics };
}

function parseEntry(text: string, start: number, span: SpanMaker): { entry: TextEntry; end: number } {
  const name = readName(text, start, "a pass name", NAME_OR_PATH);
  let pos = skipSpace(text, name.end);
  const options: TextOption[] = [];
  if (text[pos] === "(") {
    throw new EntryError("pass options go in braces here", pos, `write \`${name.text}{key=value}\``);
  }
  if (text[pos] === "{") {
    pos = skipSpace(text, pos + 1);
    if (text[pos] === "}") throw new EntryError("empty option list", pos, `write \`${name.text}\` without braces`);
    for (;;) {
      const key = readName(text, pos, "an option name");
      pos = skipSpace(text, key.end);
      if (text[pos] !== "=") throw new EntryError(`expected \`=\` after option \`${key.text}\``, pos);
      pos = skipSpace(text, pos + 1);
      const value = readValue(text, pos);
      options.push({ key: key.text, value: value.text, keySpan: span(key.start, key.end), valueSpan: span(value.start, value.end) });
      pos = skipSpace(text, value.end);
      if (text[pos] === ",") {
        pos = skipSpace(text, pos + 1);
        continue;
      }
      if (text[pos] === "}") {
        pos++;
        break;
      }
      throw new EntryError(pos >= text.length ? "unclosed `{`" : `expected \`,\` or \`}\`, found \`${text[pos]}\``, pos);
    }
  }
  return {
    entry: { name: name.text, nameSpan: span(name.start, name.end), span: span(start, pos), options },
    end: pos,
  };
}

interface Token {
  text: string;
  start: number;
  end: number;
}

function readName(text: string, pos: number, what: string, pattern = NAME): Token {
  pattern.lastIndex = pos;
  const m = pattern.exec(text);
  if (!m) {
    const found = pos >= text.length ? "end of input" : `\`${text[pos]}\``;
    throw new EntryError(`expected ${what}, found ${found}`, pos);
  }
  return { text: m[0], start: pos, end: pos + m[0].length };
}

/** A quoted string (with `\"` and `\\` escapes) or a bare word ending at `,` `}` or whitespace. */
function readValue(text: string, pos: number): Token {
  if (text[pos] === '"') {
    let out = "";
    for (let i = pos + 1; i < text.length; i++) {
      const c = text[i];
      if (c === "\\" && i + 1 < text.length) out += text[++i];
      else if (c === '"') return { text: out, start: pos, end: i + 1 };
      else out += c;
    }
    throw new EntryError("unclosed string", pos);
  }
  let end = pos;
  while (end < text.length && !/[\s,{}="]/.test(text[end])) end++;
  if (end === pos) {
    const found = pos >= text.length ? "end of input" : `\`${text[pos]}\``;
    throw new EntryError(`expected a value, found ${found}`, pos, 'quote values that contain `,`, `{`, `}` or spaces: key="a,b"');
  }
  return { text: text.slice(pos, end), start: pos, end };
}

function skipSpace(text: string, pos: number): number {
  while (pos < text.length && /\s/.test(text[pos])) pos++;
  return pos;
}

/**
 * Where to resume after an error at `notBefore`: the first comma at or after it that lies outside
 * braces and quotes, scanning from the start of the failed entry so that nesting is known.
 */
function nextTopLevelComma(text: string, entryStart: number, notBefore: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = entryStart; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === "{") depth++;
    else if (c === "}") depth = Math.max(0, depth - 1);
    else if (c === "," && depth === 0 && i >= notBefore) return i;
  }
  return text.length;
}

type SpanMaker = (start: number, end: number) => Span;

/** Spans into the pipeline text, so the CLI can draw a caret under the bad part. */
function spanMaker(text: string, file: string): SpanMaker {
  const pos = (offset: number): Pos => {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset; i++) {
      if (text[i] === "\n") {
        line++;
        lineStart = i + 1;
      }
    }
    return { offset, line, column: offset - lineStart + 1 };
  };
  return (start, end) => ({ file, start: pos(start), end: pos(end) });
}

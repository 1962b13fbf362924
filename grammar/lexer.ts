import { Lexer, type ILexingError, type IToken } from "chevrotain";
import { error, type Diagnostic } from "./diagnostics.js";
import { ALL_TOKENS, NumberLit, StringLit, UnterminatedString } from "./tokens.js";
import { tokenSpan } from "./positions.js";
import { quoteSnippet } from "./describe.js";
import type { Span } from "./span.js";

export interface LexResult {
  tokens: IToken[];
  diagnostics: Diagnostic[];
}

let lexer: Lexer | undefined;

function getLexer(): Lexer {
  // Built once: validating the token definitions is far costlier than lexing a small file.
  // Start positions suffice (see positions.ts) and make lexing a large file about three times faster.
  lexer ??= new Lexer(ALL_TOKENS, { positionTracking: "onlyStart", ensureOptimizations: true });
  return lexer;
}

/**
 * Splits `text` into tokens. Problems become E0xx diagnostics; the token stream stays usable so that
 * the parser still reports syntax errors: an unterminated string is handed on as a string, a malformed
 * number as a number, and unexpected characters are dropped (one diagnostic per run).
 */
export function lex(text: string, file: string): LexResult {
  const result = getLexer().tokenize(text);
  const diagnostics = result.errors.map((e) => unexpectedCharacters(e, text, file));
  for (const tok of result.tokens) {
    if (tok.tokenType === NumberLit) checkNumber(tok, file, diagnostics);
    else if (tok.tokenType === StringLit) checkEscapes(tok, file, diagnostics);
    else if (tok.tokenType === UnterminatedString) {
      diagnostics.push(
        error("E002", "unterminated string", tokenSpan(file, tok), {
          help: "add the closing `\"`; a string must end on the line where it starts",
        }),
      );
      tok.tokenType = StringLit;
      tok.tokenTypeIdx = StringLit.tokenTypeIdx!;
    }
  }
  return { tokens: result.tokens, diagnostics };
}

function unexpectedCharacters(e: ILexingError, text: string, file: string): Diagnostic {
  const run = text.slice(e.offset, e.offset + e.length);
  const line = e.line ?? NaN;
  const column = e.column ?? NaN;
  // A run of unmatched characters never contains a line break (whitespace is always a token).
  const span: Span = {
    file,
    start: { offset: e.offset, line, column },
    end: { offset: e.offset + e.length, line, column: column + e.length },
  };
  const plural = [...run].length > 1 ? "characters" : "character";
  return error("E001", `unexpected ${plural} ${quoteSnippet(run)}`, span, helpFor(run));
}

function helpFor(run: string): Partial<Diagnostic> {
  const c = run[0];
  let help: string | undefined;
  if (c === ";") help = "statements end at the end of the line; remove the `;`";
  else if (c === "'") help = "strings use double quotes: `\"cora\"`";
  else if ("%^&|!<>?~$`\\".includes(c)) help = "the only operators are `+`, `-`, `*`, `/` and `@`";
  else if (c === "\u00a0") help = "this is a non-breaking space; replace it with an ordinary space";
  else if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffd]/.test(run)) {
    help = "this looks like binary data; is this really a .gnn file?";
  } else if (/\p{L}/u.test(c)) help = "names use ASCII letters, digits and `_` only";
  return help === undefined ? {} : { help };
}

const VALID_NUMBER = /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function checkNumber(tok: IToken, file: string, out: Diagnostic[]): void {
  const raw = tok.image;
  let problem: string | undefined;
  let help: string | undefined;
  if (!VALID_NUMBER.test(raw)) {
    problem = `invalid number ${quoteSnippet(raw)}`;
    if (raw.startsWith(".")) help = `write a digit before the point: \`0${raw}\``;
    else if (/^\d+\.$/.test(raw)) help = `write \`${raw}0\` or \`${raw.slice(0, -1)}\``;
    else if (/^\d+(?:\.\d+)?[eE][+-]?$/.test(raw)) help = "an exponent needs digits, as in `5e-4`";
    else if (/^\d+[A-Za-z_]/.test(raw) && !/^\d+[eE]/.test(raw)) help = "names cannot start with a digit";
    else help = "numbers look like `16`, `0.5` or `5e-4`";
  } else {
    const value = Number(raw);
    const isInt = !/[.eE]/.test(raw);
    if (!Number.isFinite(value)) problem = `number ${quoteSnippet(raw)} is too large`;
    else if (isInt && !Number.isSafeInteger(value)) {
      problem = `integer ${quoteSnippet(raw)} is too large to represent exactly`;
      help = "integers must be below 2^53";
    }
  }
  if (problem !== undefined) out.push(error("E003", problem, tokenSpan(file, tok), help ? { help } : {}));
}

function checkEscapes(tok: IToken, file: string, out: Diagnostic[]): void {
  const raw = tok.image;
  for (let i = 1; i < raw.length - 1; i++) {
    if (raw[i] !== "\\") continue;
    const next = raw[i + 1];
    if (!'"\\nt'.includes(next)) {
      const start = { offset: tok.startOffset + i, line: tok.startLine!, column: tok.startColumn! + i };
      const end = { offset: start.offset + 2, line: start.line, column: start.column + 2 };
      out.push(
        error("E004", `unknown escape sequence ${quoteSnippet("\\" + next)} in string`, { file, start, end }, {
          help: "the escapes are `\\\"`, `\\\\`, `\\n` and `\\t`; write `\\\\` for a backslash",
        }),
      );
    }
    i++; // skip the escaped character, so `\\` followed by `q` is not read as `\q`
  }
}

/** The value of a string token: quotes removed, escapes applied (an unterminated string has no closing quote). */
export function stringValue(image: string): string {
  if (!image.includes("\\")) return image.endsWith('"') && image.length > 1 ? image.slice(1, -1) : image.slice(1);
  let out = "";
  for (let i = 1; i < image.length; i++) {
    const c = image[i];
    if (c === '"') break;
    if (c === "\\" && i + 1 < image.length) {
      const next = image[++i];
      out += next === "n" ? "\n" : next === "t" ? "\t" : next;
    } else out += c;
  }
  return out;
}

import type { IToken } from "chevrotain";
import type { Pos, Span } from "./span.js";

/**
 * Spans from chevrotain tokens. The lexer tracks start positions only (a third of the cost of full
 * tracking on large files): every token of this language lies on one line (strings and comments stop
 * at a line break), so a token ends on its start line, `image.length` characters later.
 */

export function tokenStart(tok: IToken): Pos {
  return { offset: tok.startOffset, line: tok.startLine ?? NaN, column: tok.startColumn ?? NaN };
}

export function tokenEnd(tok: IToken): Pos {
  const length = tok.image.length;
  return { offset: tok.startOffset + length, line: tok.startLine ?? NaN, column: (tok.startColumn ?? NaN) + length };
}

export function tokenSpan(file: string, tok: IToken): Span {
  return { file, start: tokenStart(tok), end: tokenEnd(tok) };
}

/** A zero-width span, used to point "just after" a token or at the end of the file. */
export function pointSpan(file: string, at: Pos): Span {
  return { file, start: at, end: at };
}

/** The position just past the last character of `text` (line breaks: `\n`, `\r\n`, lone `\r`). */
export function endOfText(text: string): Pos {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      line++;
      lineStart = i + 1;
    }
  }
  return { offset: text.length, line, column: text.length - lineStart + 1 };
}

import { EOF, type IToken } from "chevrotain";

const MAX_SNIPPET = 24;

/**
 * Source text as it appears inside a message: in backticks, control characters escaped (so binary
 * garbage cannot upset a terminal) and long runs shortened.
 */
export function quoteSnippet(text: string): string {
  const chars = [...text];
  const shown = chars.length > MAX_SNIPPET ? chars.slice(0, MAX_SNIPPET - 1).join("") + "…" : text;
  const escaped = shown.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (c === "\t") return "\\t";
    return `\\u{${c.charCodeAt(0).toString(16)}}`;
  });
  return `\`${escaped}\``;
}

/** What a found token reads as in "…, found X". */
export function describeToken(tok: IToken): string {
  return tok.tokenType === EOF ? "end of file" : quoteSnippet(tok.image);
}

export function isEof(tok: IToken): boolean {
  return tok.tokenType === EOF;
}

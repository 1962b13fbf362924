import type { IRecognitionException, IToken, TokenType } from "chevrotain";
import type { Diagnostic, Label } from "./diagnostics.js";
import type { Pos, Span } from "./span.js";
import * as T from "./tokens.js";
import { decodeError } from "./raw-errors.js";
import { indexOfToken, openerAt, type BracketScan } from "./brackets.js";
import { pointSpan, tokenEnd, tokenSpan } from "./positions.js";
import { syntaxMessage } from "./syntax-messages.js";
import { isEof } from "./describe.js";

/** What the converter needs to know about the file besides the exception itself. */
export interface ErrorEnv {
  file: string;
  tokens: readonly IToken[];
  scan: BracketScan;
  /** Position just past the last character of the file. */
  endOfFile: Pos;
  /** Sorted start offsets of character runs the lexer dropped (E001). */
  droppedAt: readonly number[];
  /** Start offsets of unterminated strings (E002), which swallow the rest of their line. */
  unterminatedAt: ReadonlySet<number>;
}

const OPENER_OF = new Map<TokenType, TokenType>([
  [T.RParen, T.LParen],
  [T.RBracket, T.LBracket],
  [T.RBrace, T.LBrace],
]);

/**
 * Turns one chevrotain recognition exception into a diagnostic, or undefined when the error is only
 * the echo of characters the lexer already reported (the parser never saw them).
 */
export function syntaxDiagnostic(e: IRecognitionException, env: ErrorEnv): Diagnostic | undefined {
  const { info, found } = decodeError(e);
  const foundIndex = indexOfToken(env.tokens, found);
  // Chevrotain's own "previous token" can lie after error recovery has skipped ahead; the stream does not.
  const previous: IToken | undefined = env.tokens[foundIndex - 1];
  // Errors right after a lexical error are its echo, not news. (Top-level junk is still reported:
  // dropped characters do not explain it.)
  if (previous && env.unterminatedAt.has(previous.startOffset)) return undefined;
  if (previous && info.rule !== "program" && droppedBetween(env, previous, found)) return undefined;

  const msg = syntaxMessage({ info, found, previous, next: env.tokens[foundIndex + 1] });
  const span = msg.pointAfterFound ? pointSpan(env.file, tokenEnd(found)) : primarySpan(env, found, previous, msg.pointAfterPrevious === true);
  const labels: Label[] = msg.label ? [{ span, message: msg.label }] : [];
  let { code, message, help } = msg;

  const opener = msg.closer ? openerAt(env.scan, env.tokens, foundIndex, OPENER_OF.get(msg.closer)!) : -1;
  if (opener >= 0 && env.scan.partner[opener] === -1) {
    code = "E104";
    help = `add the missing ${T.TOKEN_DESCRIPTIONS[msg.closer!.name]}`;
    const openTok = env.tokens[opener];
    labels.push({ span: tokenSpan(env.file, openTok), message: `unclosed \`${openTok.image}\`` });
  } else if (foundIndex < env.tokens.length && OPENER_OF.has(found.tokenType) && env.scan.partner[foundIndex] === -1) {
    const openSymbol = T.TOKEN_DESCRIPTIONS[OPENER_OF.get(found.tokenType)!.name];
    code = "E105";
    message = `unmatched \`${found.image}\``;
    help = `remove it, or add the ${openSymbol} it should close`;
    labels.splice(0, labels.length, { span, message: `no matching ${openSymbol}` });
  }
  return { code, severity: "error", message, span, ...(labels.length ? { labels } : {}), ...(help ? { help } : {}) };
}

function primarySpan(env: ErrorEnv, found: IToken, previous: IToken | undefined, afterPrevious: boolean): Span {
  const previousIsReal = previous !== undefined && Number.isFinite(previous.startOffset);
  if (afterPrevious && previousIsReal && (isEof(found) || found.startLine! > previous.startLine!)) {
    return pointSpan(env.file, tokenEnd(previous));
  }
  if (isEof(found)) return pointSpan(env.file, env.endOfFile);
  return tokenSpan(env.file, found);
}

/** True when the lexer dropped characters between the two tokens. */
function droppedBetween(env: ErrorEnv, previous: IToken, found: IToken): boolean {
  const from = Number.isFinite(previous.startOffset) ? previous.startOffset : 0;
  const to = isEof(found) ? Infinity : found.startOffset;
  const list = env.droppedAt;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] <= from) lo = mid + 1;
    else hi = mid;
  }
  return lo < list.length && list[lo] < to;
}

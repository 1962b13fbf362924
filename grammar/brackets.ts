import type { IToken, TokenType } from "chevrotain";
import { LBrace, LBracket, LParen, Minus, RBrace, RBracket, RParen } from "./tokens.js";
import { MAX_NESTING } from "./codes.js";

/**
 * A pass over the token stream before parsing. It serves two purposes:
 * - it finds nesting deeper than MAX_NESTING, so the recursive-descent parser is never run on input that
 *   could overflow the call stack (100,000 `(` in a row);
 * - it pairs brackets, so a syntax error can point at the bracket that was never closed.
 */
export interface BracketScan {
  /** Per token: the index of its partner bracket, -1 when unpaired or not a bracket. */
  partner: Int32Array;
  /** Per token, plus one entry for end of file: the innermost bracket open just before it (-1: none). */
  enclosing: Int32Array;
  /** The first token that took nesting past the limit. */
  tooDeepAt?: number;
  /** The first token at the deepest nesting, for reporting should the parser still run out of stack. */
  deepestAt: number;
}

const OPENER_OF = new Map<TokenType, TokenType>([
  [RParen, LParen],
  [RBracket, LBracket],
  [RBrace, LBrace],
]);
const OPENERS = new Set<TokenType>([LParen, LBracket, LBrace]);

export function scanBrackets(tokens: readonly IToken[]): BracketScan {
  const n = tokens.length;
  const partner = new Int32Array(n).fill(-1);
  const enclosing = new Int32Array(n + 1);
  const stack: number[] = [];
  // How many of each opener kind are on the stack, so an unmatched closer is found in O(1).
  const openCount = new Map<TokenType, number>([[LParen, 0], [LBracket, 0], [LBrace, 0]]);
  let minusRun = 0; // consecutive `-` are nested unary operators to the parser
  let tooDeepAt: number | undefined;
  let deepest = 0;
  let deepestAt = 0;

  for (let i = 0; i < n; i++) {
    const type = tokens[i].tokenType;
    enclosing[i] = stack.length > 0 ? stack[stack.length - 1] : -1;
    minusRun = type === Minus ? minusRun + 1 : 0;
    if (OPENERS.has(type)) {
      stack.push(i);
      openCount.set(type, openCount.get(type)! + 1);
    } else {
      const opener = OPENER_OF.get(type);
      if (opener !== undefined && openCount.get(opener)! > 0) {
        // Pop to the matching opener; anything above it was never closed.
        let top: number;
        do {
          top = stack.pop()!;
          const t = tokens[top].tokenType;
          openCount.set(t, openCount.get(t)! - 1);
        } while (tokens[top].tokenType !== opener);
        partner[top] = i;
        partner[i] = top;
      }
    }
    const depth = stack.length + minusRun;
    if (depth > deepest) {
      deepest = depth;
      deepestAt = i;
    }
    if (tooDeepAt === undefined && depth > MAX_NESTING) tooDeepAt = i;
  }
  enclosing[n] = stack.length > 0 ? stack[stack.length - 1] : -1;
  return { partner, enclosing, tooDeepAt, deepestAt };
}

/** The innermost bracket of type `opener` that is open at token `index` (tokens.length for end of file). */
export function openerAt(scan: BracketScan, tokens: readonly IToken[], index: number, opener: TokenType): number {
  let j = scan.enclosing[index];
  while (j >= 0 && tokens[j].tokenType !== opener) j = scan.enclosing[j];
  return j;
}

/** Index of `tok` in `tokens` (by offset), or tokens.length for the end-of-file token. */
export function indexOfToken(tokens: readonly IToken[], tok: IToken): number {
  if (!Number.isFinite(tok.startOffset)) return tokens.length;
  let lo = 0;
  let hi = tokens.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const off = tokens[mid].startOffset;
    if (off === tok.startOffset) return mid;
    if (off < tok.startOffset) lo = mid + 1;
    else hi = mid - 1;
  }
  return tokens.length;
}

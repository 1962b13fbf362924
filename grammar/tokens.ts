import { createToken, Lexer, type TokenType } from "chevrotain";

/**
 * Token types of the `.gnn` language. Order matters: chevrotain tries patterns first to last, so
 * keywords come before `Identifier` (with `longer_alt` so that `trainer` stays one identifier) and
 * `->` comes before `-`.
 */

export const WhiteSpace = createToken({
  name: "WhiteSpace",
  // U+FEFF: a byte-order mark some editors put at the start of a file; it is invisible, so skip it.
  pattern: /[ \t\r\n\uFEFF]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});

export const Comment = createToken({ name: "Comment", pattern: /#[^\r\n]*/, group: Lexer.SKIPPED });

/** Anything usable as a plain name: identifiers and the soft keywords. */
export const AnyName = createToken({ name: "AnyName", pattern: Lexer.NA });

export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/, categories: [AnyName] });

/** Keywords that are also accepted as plain names in expression position and as train-entry keys. */
export const SoftKeyword = createToken({ name: "SoftKeyword", pattern: Lexer.NA, categories: [AnyName] });

function keyword(word: string, soft = false): TokenType {
  return createToken({
    name: word[0].toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: soft ? [SoftKeyword, AnyName] : [],
  });
}

export const Import = keyword("import", true);
export const Dataset = keyword("dataset", true);
export const Block = keyword("block", true);
export const Model = keyword("model", true);
export const Train = keyword("train", true);
export const Forward = keyword("forward");
export const Return = keyword("return");
export const Repeat = keyword("repeat");
export const Reversible = keyword("reversible");
export const Equilibrium = keyword("equilibrium");
export const True = keyword("true");
export const False = keyword("false");

/** Every reserved word, for "is a reserved keyword" hints. */
export const KEYWORDS: readonly string[] = [
  "import", "dataset", "block", "model", "train", "forward",
  "return", "repeat", "reversible", "equilibrium", "true", "false",
];

/**
 * Anything that looks like a number, including malformed ones (`1.`, `1e`, `2x`, `1.2.3`): the lexer
 * takes the whole run as one token so that the error names the whole run, then `lexer.ts` validates it.
 */
export const NumberLit = createToken({ name: "NumberLit", pattern: /(?:\d|\.\d)(?:[eE][+-]|[\w.])*/ });

export const StringLit = createToken({ name: "StringLit", pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*"/ });
/** A string with no closing quote on its line; reported by the lexer, then parsed as a string. */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n]?)*/,
});

export const Arrow = createToken({ name: "Arrow", pattern: /->/ });
export const LParen = createToken({ name: "LParen", pattern: /\(/ });
export const RParen = createToken({ name: "RParen", pattern: /\)/ });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/ });
export const RBracket = createToken({ name: "RBracket", pattern: /]/ });
export const LBrace = createToken({ name: "LBrace", pattern: /{/ });
export const RBrace = createToken({ name: "RBrace", pattern: /}/ });
export const Comma = createToken({ name: "Comma", pattern: /,/ });
export const Equals = createToken({ name: "Equals", pattern: /=/ });
export const Colon = createToken({ name: "Colon", pattern: /:/ });
export const Dot = createToken({ name: "Dot", pattern: /\./ });
/** Any binary operator; the parser takes one with a single CONSUME and applies precedence afterwards. */
export const BinaryOp = createToken({ name: "BinaryOp", pattern: Lexer.NA });
export const Plus = createToken({ name: "Plus", pattern: /\+/, categories: [BinaryOp] });
export const Minus = createToken({ name: "Minus", pattern: /-/, categories: [BinaryOp] });
export const Star = createToken({ name: "Star", pattern: /\*/, categories: [BinaryOp] });
export const Slash = createToken({ name: "Slash", pattern: /\//, categories: [BinaryOp] });
export const At = createToken({ name: "At", pattern: /@/, categories: [BinaryOp] });

export const ALL_TOKENS: TokenType[] = [
  WhiteSpace, Comment,
  Import, Dataset, Block, Model, Train, Forward, Return, Repeat, Reversible, Equilibrium, True, False,
  AnyName, SoftKeyword, Identifier, BinaryOp,
  NumberLit, StringLit, UnterminatedString,
  Arrow, LParen, RParen, LBracket, RBracket, LBrace, RBrace, Comma, Equals, Colon, Dot, Plus, Minus, Star, Slash, At,
];

/** How the token types read in a message: the fixed text of punctuation and keywords, a phrase otherwise. */
export const TOKEN_DESCRIPTIONS: Readonly<Record<string, string>> = {
  Identifier: "a name",
  NumberLit: "a number",
  StringLit: "a string",
  UnterminatedString: "a string",
  SoftKeyword: "a name",
  AnyName: "a name",
  BinaryOp: "an operator",
  EOF: "end of file",
  Arrow: "`->`", LParen: "`(`", RParen: "`)`", LBracket: "`[`", RBracket: "`]`", LBrace: "`{`", RBrace: "`}`",
  Comma: "`,`", Equals: "`=`", Colon: "`:`", Dot: "`.`", Plus: "`+`", Minus: "`-`", Star: "`*`", Slash: "`/`", At: "`@`",
  ...Object.fromEntries(KEYWORDS.map((k) => [k[0].toUpperCase() + k.slice(1), `\`${k}\``])),
};

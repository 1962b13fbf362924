/**
 * Diagnostic codes of the grammar front end, with one-line meanings. E0xx: lexical; E1xx: syntax.
 * Later stages own the other ranges (see `diagnostics.ts`).
 */
export const GRAMMAR_CODES = {
  E001: "unexpected character(s) that cannot start any token",
  E002: "string literal without a closing `\"` on its line",
  E003: "malformed number literal (`1.`, `1e`, `2x`, `1.2.3`, or too large)",
  E004: "unknown escape sequence in a string (valid: `\\\"` `\\\\` `\\n` `\\t`)",
  E101: "a specific token was expected here (missing `=`, `,`, closing bracket, name, …)",
  E102: "an expression was expected here",
  E103: "only `import`, `dataset`, `block`, `model` and `train` items may appear at the top level",
  E104: "a bracket is never closed",
  E105: "a closing bracket has no matching opening bracket",
  E106: "a block or model defines `forward` (or `message`, `update`) more than once",
  E107: "a stack modifier (`repeat`, `reversible`, `equilibrium`) is not followed by a layer call",
  E108: "a positional argument follows a named argument",
  E109: "brackets or unary minus nested too deeply",
  E110: "a reserved keyword is used where a name is expected",
  E111: "an expression is nested too deeply (a very long operator chain)",
  E112: "a block defines a method other than `forward`, `message` and `update`",
  E199: "too many errors; the rest of the file was not reported",
} as const;

export type GrammarCode = keyof typeof GRAMMAR_CODES;

/** Deepest bracket / unary-minus nesting the parser accepts (the recursive-descent parser must not overflow). */
export const MAX_NESTING = 200;

/** Errors reported per file before the "too many errors" note. */
export const MAX_ERRORS = 50;

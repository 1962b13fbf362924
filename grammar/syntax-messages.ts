import type { IToken, TokenType } from "chevrotain";
import * as T from "./tokens.js";
import type { GrammarCode } from "./codes.js";
import type { RawSyntaxError } from "./raw-errors.js";
import { describeToken, isEof } from "./describe.js";
import { didYouMean } from "./suggest.js";

/** The user-facing wording of one syntax error, before it is given a span. */
export interface SyntaxMessage {
  code: GrammarCode;
  message: string;
  /** Text under the caret. */
  label?: string;
  help?: string;
  /** The closing bracket the parser wanted; lets the caller point at an unclosed opening bracket. */
  closer?: TokenType;
  /** When the found token is on a later line, point just after the previous token instead. */
  pointAfterPrevious?: boolean;
  /** Point just after the found token: the problem is what should have followed it. */
  pointAfterFound?: boolean;
}

export interface ErrorSite {
  info: RawSyntaxError;
  found: IToken;
  previous?: IToken;
  /** The token after `found`, for hints that need a little more context. */
  next?: IToken;
}

const ITEM_KEYWORDS = ["import", "dataset", "block", "model", "train"];
/** Typical parameters of each function a block defines, for hints. */
const FUNCTION_PARAMS: Readonly<Record<string, string>> = { forward: "x, g", message: "x_i, x_j", update: "aggr_out, x" };
const ITEM_TOKENS = new Set<TokenType>([T.Import, T.Dataset, T.Block, T.Model, T.Train]);

/** Phrases a chevrotain error (decoded to `RawSyntaxError`) by the rule it happened in. */
export function syntaxMessage(site: ErrorSite): SyntaxMessage {
  const { info, found, previous } = site;
  const F = describeToken(found);
  const after = previous ? `\`${previous.image}\`` : "this";
  const item = describeItem(info);
  const expected = info.expected;

  switch (info.rule) {
    case "program":
      return topLevel(site);
    case "importDecl":
      return {
        code: "E101",
        message: `expected a file path string after \`import\`, found ${F}`,
        label: "expected a string",
        help: 'write the path in double quotes: `import "blocks.gnn"`',
        pointAfterPrevious: true,
      };
    case "datasetDecl":
      if (expected === "Identifier") return nameExpected("dataset", found);
      return {
        code: "E101",
        message: `expected \`=\` after the dataset name, found ${F}`,
        label: "expected `=`",
        help: 'a dataset is written `dataset cora = load("cora")`',
        pointAfterPrevious: true,
      };
    case "moduleDecl":
      if (expected === "Identifier") return nameExpected(previous?.image ?? "model", found);
      if (expected === "LBrace") {
        return {
          code: "E101",
          message: `expected \`{\` to start the body of ${item}, found ${F}`,
          label: previous?.tokenType === T.RParen ? "expected `{`" : "expected `(` or `{`",
          pointAfterPrevious: true,
        };
      }
      return bodyEnd(site, `the body of ${item}`, "expected a member, `forward` or `}`",
        found.tokenType === T.Return
          ? "`return` belongs inside the body of `forward`"
          : "a body holds members such as `conv = GCNConv(16, 7)` and one `forward`");
    case "member":
      return {
        code: "E101",
        message: `expected \`=\` after the member name ${after}, found ${F}`,
        label: "expected `=`",
        help: "a member is written `name = Layer(...)`",
        pointAfterPrevious: true,
      };
    case "forwardDecl":
    case "methodDecl":
    case "functionRest": {
      const fn = info.method ?? "forward";
      const params = FUNCTION_PARAMS[fn] ?? "x";
      if (info.kind === "noViableAlt") {
        return {
          code: "E101",
          message: `expected \`=\`, \`->\` or \`{\` after the parameters of \`${fn}\`, found ${F}`,
          label: "expected `=`, `->` or `{`",
          help: `write \`${fn}(${params}) = expr\` or \`${fn}(${params})${fn === "forward" ? " -> f32[N, C]" : ""} { ... return h }\``,
          pointAfterPrevious: true,
        };
      }
      if (expected === "LBrace") {
        return {
          code: "E101",
          message: `expected \`{\` to start the body of \`${fn}\`, found ${F}`,
          label: "expected `{`",
          pointAfterPrevious: true,
        };
      }
      return bodyEnd(site, `the body of \`${fn}\``, "expected a statement or `}`",
        "statements are `name = expr` and `return expr`");
    }
    case "stmt":
      return {
        code: "E101",
        message: `expected \`=\` after ${after}, found ${F}`,
        label: "expected `=`",
        help: "statements are `name = expr` and `return expr`",
        pointAfterPrevious: true,
      };
    case "trainDecl":
      if (expected === "Identifier") return nameExpected("train", found);
      if (expected === "LBrace") {
        return {
          code: "E101",
          message: `expected \`{\` to start the body of ${item}, found ${F}`,
          label: "expected `{`",
          pointAfterPrevious: true,
        };
      }
      return bodyEnd(site, item, "expected `key = value` or `}`", "a train block holds entries such as `epochs = 200`");
    case "trainEntry":
      return {
        code: "E101",
        message: `expected \`=\` after ${after}, found ${F}`,
        label: "expected `=`",
        help: "train entries are written `key = value`",
        pointAfterPrevious: true,
      };
    case "paramList":
      if (expected === "LParen") {
        return {
          code: "E101",
          message: `expected \`(\` after \`forward\`, found ${F}`,
          label: "expected `(`",
          help: "`forward` takes a parameter list, as in `forward(x, g) = ...`",
          pointAfterPrevious: true,
        };
      }
      return closing(T.RParen, "the parameter list", F, "expected `,` or `)`",
        "parameters are written `name: type = default`, separated by commas");
    case "typeExpr":
      if (expected === "Identifier") {
        return {
          code: "E101",
          message: `expected a type after ${after}, found ${F}`,
          label: "expected a type",
          help: "types are `int`, `float`, `bool`, `str`, `f32[N, C]` and `graph[N]`",
          pointAfterPrevious: true,
        };
      }
      return closing(T.RBracket, "the dimension list", F, "expected `,` or `]`", "separate dimensions with commas");
    case "stackExpr": {
      // A stack modifier keyword without its argument list.
      const next = site.next ? describeToken(site.next) : "end of file";
      return {
        code: "E101",
        message: `expected \`(\` after \`${found.image}\`, found ${next}`,
        label: "expected `(`",
        help: "a stack modifier takes arguments, as in `repeat(4) ResBlock(64)`",
        pointAfterFound: true,
      };
    }
    case "callArgs":
      return closing(T.RParen, "the argument list", F, "expected `,` or `)`", "separate arguments with commas");
    case "parenExpr":
      return closing(T.RParen, "the parenthesised expression", F, "expected `)`",
        startsExpression(found) ? "is an operator missing?" : undefined);
    case "listExpr":
      return closing(T.RBracket, "the list", F, "expected `,` or `]`", "separate list elements with commas");
    case "softName":
      if (previous?.tokenType === T.Dot) {
        if (isKeyword(found)) return keywordAsName(`.`, found);
        return { code: "E101", message: `expected a name after \`.\`, found ${F}`, label: "expected a name", pointAfterPrevious: true };
      }
      return { code: "E101", message: `expected a name, found ${F}`, label: "expected a name", pointAfterPrevious: true };
    case "operand":
      return {
        code: "E102",
        message: `expected an expression, found ${F}`,
        label: "expected an expression",
        help: isKeyword(found) ? `${F} is a reserved keyword and cannot be used as a value` : undefined,
        pointAfterPrevious: true,
      };
    default:
      return {
        code: "E101",
        message: expected ? `expected ${T.TOKEN_DESCRIPTIONS[expected] ?? expected}, found ${F}` : `unexpected ${F}`,
        pointAfterPrevious: expected !== undefined,
      };
  }
}

function describeItem(info: RawSyntaxError): string {
  if (!info.item) return "this item";
  return info.item.name ? `${info.item.keyword} \`${info.item.name}\`` : info.item.keyword;
}

function closing(closer: TokenType, what: string, F: string, label: string, help?: string): SyntaxMessage {
  const symbol = T.TOKEN_DESCRIPTIONS[closer.name];
  return { code: "E101", message: `expected ${symbol} to close ${what}, found ${F}`, label, help, closer, pointAfterPrevious: true };
}

/** The token after the last member/statement/entry of a `{ … }` body is neither another one nor `}`. */
function bodyEnd(site: ErrorSite, what: string, label: string, bodyHelp: string): SyntaxMessage {
  let help = bodyHelp;
  const { found } = site;
  // At end of file or at the next item the body was simply never closed.
  if (isEof(found) || ITEM_TOKENS.has(found.tokenType)) {
    return closing(T.RBrace, what, describeToken(found), "expected `}`");
  }
  // Line breaks are not significant, so `epochs =` with its value missing swallows the next line's key.
  if (found.tokenType === T.Equals && site.previous && isNameToken(site.previous)) {
    help = `\`${site.previous.image}\` was read as the value of the line before; is that value missing?`;
  }
  return { code: "E101", message: `unexpected ${describeToken(found)} in ${what}`, label, help };
}

/** An identifier or a soft keyword (the item keywords double as names). */
function isNameToken(tok: IToken): boolean {
  return tok.tokenType === T.Identifier || ITEM_TOKENS.has(tok.tokenType);
}

function nameExpected(after: string, found: IToken): SyntaxMessage {
  if (isKeyword(found)) return keywordAsName(after, found);
  return {
    code: "E101",
    message: `expected a name after \`${after}\`, found ${describeToken(found)}`,
    label: "expected a name",
    pointAfterPrevious: true,
  };
}

function keywordAsName(after: string, found: IToken): SyntaxMessage {
  return {
    code: "E110",
    message: `expected a name after \`${after}\`, found the keyword \`${found.image}\``,
    label: "reserved keyword",
    help: `\`${found.image}\` is reserved; choose another name, such as \`${found.image}_\``,
  };
}

function topLevel(site: ErrorSite): SyntaxMessage {
  const { found, next } = site;
  let help = "a .gnn file holds `import`, `dataset`, `block`, `model` and `train` items";
  const typo = found.tokenType === T.Identifier ? didYouMean(found.image, ITEM_KEYWORDS) : undefined;
  if (typo !== undefined) help = `did you mean \`${typo}\`?`;
  else if (found.tokenType === T.Identifier && next?.tokenType === T.Equals) {
    help = `top-level values are datasets: \`dataset ${found.image} = ...\``;
  } else if (found.tokenType === T.Forward) help = "`forward` belongs inside the body of a `block` or `model`";
  else if (found.tokenType === T.Return) help = "`return` belongs inside the body of `forward`";
  return {
    code: "E103",
    message: `expected \`import\`, \`dataset\`, \`block\`, \`model\` or \`train\`, found ${describeToken(found)}`,
    label: "not allowed at the top level",
    help,
  };
}

function isKeyword(tok: IToken): boolean {
  return T.KEYWORDS.includes(tok.image) && tok.tokenType !== T.Identifier;
}

const EXPRESSION_STARTS = new Set<TokenType>([T.Identifier, T.NumberLit, T.StringLit, T.LParen, T.LBracket, T.True, T.False]);

function startsExpression(tok: IToken): boolean {
  return EXPRESSION_STARTS.has(tok.tokenType) || ITEM_TOKENS.has(tok.tokenType);
}

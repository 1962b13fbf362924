import type { AttrValue, Dim, Type } from "./types.js";

/**
 * The lexical conventions of IR text, shared by the printer and the parser so the two cannot drift:
 * how names, numbers, dims and attribute values are written.
 */

/** Characters of a bare (unquoted) token: identifiers, numbers and dim arithmetic such as `(E+N)*2`. */
export const BARE_CHAR = /[A-Za-z0-9_.+\-*/()]/;

export const NUMBER_TOKEN = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

const SPECIAL_NUMBERS: Readonly<Record<string, number>> = { inf: Infinity, "-inf": -Infinity, nan: NaN };

const KEYWORD_TOKENS = new Set(["true", "false", ...Object.keys(SPECIAL_NUMBERS)]);

export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.]*$/;

export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (n === Infinity) return "inf";
  if (n === -Infinity) return "-inf";
  if (Object.is(n, -0)) return "-0";
  return String(n);
}

function balanced(s: string): boolean {
  let depth = 0;
  for (const c of s) {
    if (c === "(") depth++;
    else if (c === ")" && --depth < 0) return false;
  }
  return depth === 0;
}

/** A string that reads back as the same string when written bare. */
function bareString(s: string): boolean {
  return /^[A-Za-z0-9_.+\-*/()]+$/.test(s) && !NUMBER_TOKEN.test(s) && !KEYWORD_TOKENS.has(s) && balanced(s);
}

/** Module, function, parameter and result names: bare when identifier-like, else JSON-quoted. */
export function formatName(s: string): string {
  return NAME_PATTERN.test(s) && !KEYWORD_TOKENS.has(s) ? s : JSON.stringify(s);
}

export function formatDim(d: Dim): string {
  if (typeof d === "number") return formatNumber(d);
  return bareString(d) ? d : JSON.stringify(d);
}

export function formatAttrValue(v: AttrValue): string {
  if (typeof v === "number") return formatNumber(v);
  if (typeof v === "boolean") return String(v);
  if (typeof v === "string") return bareString(v) ? v : JSON.stringify(v);
  return `[${(v as readonly (number | string)[]).map((x) => formatAttrValue(x)).join(",")}]`;
}

/** The value a bare token denotes: a number, a boolean, or else the token itself as a string. */
export function readBareToken(tok: string): number | boolean | string {
  if (NUMBER_TOKEN.test(tok)) return Number(tok);
  if (tok in SPECIAL_NUMBERS) return SPECIAL_NUMBERS[tok];
  if (tok === "true") return true;
  if (tok === "false") return false;
  return tok;
}

/** Like formatType, but with dims quoted where needed so that the parser reads them back exactly. */
export function formatTypeText(t: Type): string {
  switch (t.kind) {
    case "tensor":
      return `${t.dtype}[${t.shape.map(formatDim).join(",")}]`;
    case "graph":
      return `graph[${formatDim(t.nodes)},${formatDim(t.edges)}${t.selfLoops ? ",self_loops" : ""}]`;
    case "rng":
      return "rng";
    case "tuple":
      return `(${t.items.map(formatTypeText).join(", ")})`;
  }
}

import type { Program } from "./ast.js";
import type { Span } from "./span.js";

/**
 * The deepest AST any later stage is asked to walk. Brackets are limited before parsing
 * (brackets.ts), but a long operator chain (`1+1+…+1`) is flat text that parses into a tree as
 * deep as the chain is long; the frontend walks trees recursively, so the depth is capped here,
 * once, rather than in every stage.
 */
export const MAX_AST_DEPTH = 1000;

/** The span of the first node deeper than MAX_AST_DEPTH, or undefined. Iterative: cannot overflow itself. */
export function findTooDeep(program: Program): Span | undefined {
  const stack: Array<[unknown, number]> = [[program, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (Array.isArray(value)) {
      for (const v of value) stack.push([v, depth]);
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    const node = value as { kind?: unknown; span?: Span };
    const isNode = typeof node.kind === "string" && node.span !== undefined;
    const here = isNode ? depth + 1 : depth;
    if (isNode && here > MAX_AST_DEPTH) return node.span;
    for (const [key, child] of Object.entries(value)) if (key !== "span") stack.push([child, here]);
  }
  return undefined;
}

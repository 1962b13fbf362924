import type { Expr, ForwardDecl, ReturnStmt } from "../../grammar/ast.js";

/**
 * The residual branch F of a block whose forward returns `h + F` or `F + h`, where `h` is its first
 * input (what a stack carries) and is not reassigned before the return: a forward with the same
 * inputs and statements that returns F. Undefined for any other forward. Only the top-level `+` of
 * the returned expression counts (`h + a + b` parses as `(h + a) + b` and is not matched).
 */
export function residualBranch(fwd: ForwardDecl): ForwardDecl | undefined {
  const carried = fwd.params[0]?.name.name;
  const last = fwd.body[fwd.body.length - 1];
  if (carried === undefined || last?.kind !== "Return") return undefined;
  const sum = last.value;
  if (sum.kind !== "Binary" || sum.op !== "+") return undefined;
  const before = fwd.body.slice(0, -1);
  if (before.some((s) => s.kind === "Assign" && s.target.name === carried)) return undefined;
  const isCarried = (e: Expr) => e.kind === "Name" && e.name === carried;
  const branch = isCarried(sum.left) ? sum.right : isCarried(sum.right) ? sum.left : undefined;
  if (!branch) return undefined;
  // The expression form's single return spans its expression; a `return` statement keeps its own span.
  const ret: ReturnStmt = { kind: "Return", value: branch, span: fwd.isExpression ? branch.span : last.span };
  return { ...fwd, body: [...before, ret] };
}

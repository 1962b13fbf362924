import type { Expr } from "../../grammar/ast.js";

/** A compact rendering of an expression for messages (`hidden / 2`, `cora.num_features`). */
export function exprText(e: Expr): string {
  switch (e.kind) {
    case "Number":
      return e.raw;
    case "String":
      return JSON.stringify(e.value);
    case "Bool":
      return String(e.value);
    case "Name":
      return e.name;
    case "Member":
      return `${exprText(e.object)}.${e.property.name}`;
    case "Call":
      return `${exprText(e.callee)}(${e.args.map((a) => (a.name ? `${a.name.name} = ` : "") + exprText(a.value)).join(", ")})`;
    case "Binary":
      return `${operand(e.left)} ${e.op} ${operand(e.right)}`;
    case "Unary":
      return `-${operand(e.operand)}`;
    case "List":
      return `[${e.elements.map(exprText).join(", ")}]`;
    case "Stack":
      return `${e.modifiers.map((m) => m.kind + "(…)").join(" ")} ${exprText(e.layer)}`;
  }
}

function operand(e: Expr): string {
  return e.kind === "Binary" ? `(${exprText(e)})` : exprText(e);
}

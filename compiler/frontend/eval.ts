import type { BinaryExpr, BinaryOp, CallExpr, Expr, StackExpr } from "../../grammar/ast.js";
import type { Span } from "../../grammar/span.js";
import { didYouMean } from "../../grammar/suggest.js";
import { dimAdd, dimDiv, dimMul, dimSub } from "../ir/dims.js";
import { DATASET_ATTRIBUTES, datasetAttribute, type DatasetAttribute } from "../train/dataset.js";
import { exprText } from "./expr-text.js";
import { didYouMeanHelp, type Reporter } from "./report.js";
import { describeValue, float, int, numericValue, type TensorValue, type Value } from "./value.js";

/**
 * Where an expression is evaluated: a block's parameter list and members (static values only), or
 * a `forward` body (which can also build tensor ops through `tensorOp`).
 */
export interface EvalScope {
  readonly reporter: Reporter;
  /** The value of a name, or undefined when it is not visible here. */
  lookup(name: string): Value | undefined;
  /** Every name visible here, for did-you-mean. */
  visibleNames(): Iterable<string>;
  call(expr: CallExpr): Value;
  stack(expr: StackExpr): Value;
  /** Present inside `forward`: emit a tensor op at `span`, with the operands' spans for errors. */
  tensorOp?(op: string, inputs: readonly TensorValue[], span: Span, operandSpans: readonly Span[]): TensorValue;
  /** Present inside `forward`: a scalar constant. */
  constant?(value: number, span: Span): TensorValue;
}

export function evaluate(expr: Expr, scope: EvalScope): Value {
  switch (expr.kind) {
    case "Number":
      return expr.isInt ? int(expr.value) : float(expr.value);
    case "String":
      return { kind: "str", value: expr.value };
    case "Bool":
      return { kind: "bool", value: expr.value };
    case "Name":
      return lookupName(expr.name, expr.span, scope);
    case "Member":
      return member(expr.object, expr.property.name, expr.property.span, expr.span, scope);
    case "List":
      return { kind: "list", items: expr.elements.map((e) => evaluate(e, scope)) };
    case "Call":
      return scope.call(expr);
    case "Stack":
      return scope.stack(expr);
    case "Unary":
      return negate(evaluate(expr.operand, scope), expr.span, expr.operand.span, scope);
    case "Binary":
      return binary(expr, evaluate(expr.left, scope), evaluate(expr.right, scope), scope);
  }
}

export function lookupName(name: string, span: Span, scope: EvalScope): Value {
  const v = scope.lookup(name);
  if (v !== undefined) return v;
  const visible = [...new Set(scope.visibleNames())];
  const listed = visible.length > 0 && visible.length <= 12 ? `the names visible here are ${visible.map((n) => `\`${n}\``).join(", ")}` : undefined;
  return scope.reporter.fail("E201", `unknown name \`${name}\``, span, { help: didYouMeanHelp(didYouMean(name, visible)) ?? listed });
}

function member(object: Expr, prop: string, propSpan: Span, span: Span, scope: EvalScope): Value {
  const base = evaluate(object, scope);
  if (base.kind === "dataset") {
    if ((DATASET_ATTRIBUTES as readonly string[]).includes(prop)) {
      return int(datasetAttribute(base.dataset, prop as DatasetAttribute));
    }
    const suggestion = didYouMean(prop, DATASET_ATTRIBUTES);
    return scope.reporter.fail("E206", `a dataset has no attribute \`${prop}\``, propSpan, {
      help: didYouMeanHelp(suggestion) ?? `its attributes are ${DATASET_ATTRIBUTES.map((a) => `\`${a}\``).join(", ")}`,
    });
  }
  return scope.reporter.fail("E206", `${describeValue(base)} has no attribute \`${prop}\``, span);
}

function negate(v: Value, span: Span, operandSpan: Span, scope: EvalScope): Value {
  if (v.kind === "int") return int(typeof v.value === "number" ? -v.value : dimSub(0, v.value));
  if (v.kind === "float") return float(-v.value);
  if (v.kind === "tensor" && scope.tensorOp) return scope.tensorOp("t.neg", [v], span, [operandSpan]);
  return scope.reporter.fail("E305", `cannot negate ${describeValue(v)}`, operandSpan);
}

const TENSOR_OPS: Record<BinaryOp, string> = { "+": "t.add", "-": "t.sub", "*": "t.mul", "/": "t.div", "@": "t.matmul" };

function binary(expr: BinaryExpr, a: Value, b: Value, scope: EvalScope): Value {
  const r: Reporter = scope.reporter;
  const { op, span } = expr;
  const aSpan = expr.left.span;
  const bSpan = expr.right.span;
  if (a.kind === "tensor" || b.kind === "tensor") {
    if (!scope.tensorOp || !scope.constant) return r.fail("E305", "tensor arithmetic is only possible inside `forward`", span);
    const lhs = asTensor(a, aSpan, op, scope);
    const rhs = asTensor(b, bSpan, op, scope);
    if (op === "@" && (a.kind !== "tensor" || b.kind !== "tensor")) {
      return r.fail("E305", "`@` multiplies two matrices; use `*` to scale by a number", span);
    }
    return scope.tensorOp(TENSOR_OPS[op], [lhs, rhs], span, [aSpan, bSpan]);
  }
  if (op === "@") return r.fail("E305", `\`@\` multiplies matrices, found ${describeValue(a)} and ${describeValue(b)}`, span);
  if (a.kind === "int" && b.kind === "int") return intArith(expr, a.value, b.value, r);
  const x = numericOperand(a, aSpan, op, r);
  const y = numericOperand(b, bSpan, op, r);
  switch (op) {
    case "+":
      return float(x + y);
    case "-":
      return float(x - y);
    case "*":
      return float(x * y);
    default:
      if (y === 0) return r.fail("E312", "division by zero", bSpan);
      return float(x / y);
  }
}

/** Sizes and counts: exact, possibly symbolic (`in_channels * 4`, `hidden / 2`). */
function intArith(expr: BinaryExpr, x: number | string, y: number | string, r: Reporter): Value {
  switch (expr.op) {
    case "+":
      return int(dimAdd(x, y));
    case "-":
      return int(dimSub(x, y));
    case "*":
      return int(dimMul(x, y));
    default: {
      if (y === 0) return r.fail("E312", "division by zero", expr.right.span);
      const q = dimDiv(x, y);
      if (q === undefined) {
        const text = exprText(expr);
        const values = `${x} / ${y}`;
        return r.fail("E304", `integer division \`${text}\` is not exact${text === values ? "" : ` (${values})`}`, expr.span, {
          help: "sizes must divide evenly: choose other values, or write a float (`2.0`) if a fraction is meant",
        });
      }
      return int(q);
    }
  }
}

function numericOperand(v: Value, span: Span, op: string, r: Reporter): number {
  const n = numericValue(v);
  if (n !== undefined) return n;
  if (v.kind === "int") {
    return r.fail("E311", `\`${v.value}\` is a symbolic size; it cannot be mixed with floats in \`${op}\``, span, {
      help: "give the parameter a value, or keep the arithmetic in ints",
    });
  }
  return r.fail("E305", `\`${op}\` needs numbers or tensors, found ${describeValue(v)}`, span);
}

function asTensor(v: Value, span: Span, op: string, scope: EvalScope): TensorValue {
  if (v.kind === "tensor") return v;
  const n = numericValue(v);
  if (n !== undefined) return scope.constant!(n, span);
  if (v.kind === "int") {
    return scope.reporter.fail("E311", `the symbolic size \`${v.value}\` cannot be used as a tensor value`, span);
  }
  return scope.reporter.fail("E305", `\`${op}\` needs tensors or numbers, found ${describeValue(v)}`, span);
}

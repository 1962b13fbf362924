import type { Span } from "./span.js";

/**
 * The typed syntax tree of a `.gnn` file. Every node carries its source span so that any later
 * stage can point back at the text that produced it. The tree is plain data (JSON-serialisable).
 */

export interface Ident {
  kind: "Ident";
  name: string;
  span: Span;
}

// ---------------------------------------------------------------- expressions

export type Expr =
  | NumberLit
  | StringLit
  | BoolLit
  | NameRef
  | MemberExpr
  | CallExpr
  | BinaryExpr
  | UnaryExpr
  | ListExpr
  | StackExpr;

export interface NumberLit {
  kind: "Number";
  value: number;
  /** True when written without a decimal point or exponent (`16`, not `16.0` or `1e3`). */
  isInt: boolean;
  raw: string;
  span: Span;
}

export interface StringLit {
  kind: "String";
  value: string;
  span: Span;
}

export interface BoolLit {
  kind: "Bool";
  value: boolean;
  span: Span;
}

export interface NameRef {
  kind: "Name";
  name: string;
  span: Span;
}

/** `object.property`, e.g. `cora.num_features`, `val.accuracy`, `synthetic.csbm`. */
export interface MemberExpr {
  kind: "Member";
  object: Expr;
  property: Ident;
  span: Span;
}

/** A call with positional and/or named arguments: `GCNConv(16, 7, cached = true)`. */
export interface CallExpr {
  kind: "Call";
  callee: Expr;
  args: Arg[];
  span: Span;
}

export interface Arg {
  /** Present for a named argument `name = value`. */
  name?: Ident;
  value: Expr;
  span: Span;
}

export type BinaryOp = "+" | "-" | "*" | "/" | "@";

export interface BinaryExpr {
  kind: "Binary";
  op: BinaryOp;
  left: Expr;
  right: Expr;
  span: Span;
}

export interface UnaryExpr {
  kind: "Unary";
  op: "-";
  operand: Expr;
  span: Span;
}

export interface ListExpr {
  kind: "List";
  elements: Expr[];
  span: Span;
}

export type StackModifierKind = "repeat" | "reversible" | "equilibrium";

/** `repeat(8)`, `repeat(n, tied = true)`, `reversible(groups = 2)`, `equilibrium(max_iter = 30)`. */
export interface StackModifier {
  kind: StackModifierKind;
  args: Arg[];
  span: Span;
}

/**
 * A layer instance wrapped by one or more stack modifiers, outermost first:
 * `reversible(groups = 2) repeat(layers) ResBlock(hidden / 2)`.
 * A plain layer instance (`GCNConv(16, 7)`) is just a CallExpr.
 */
export interface StackExpr {
  kind: "Stack";
  modifiers: StackModifier[];
  layer: CallExpr;
  span: Span;
}

// ---------------------------------------------------------------- types

/** `int`, `float`, `bool`, `str`, `f32[N, 16]`, `graph[N]`: a name with optional bracketed dims. */
export interface TypeExpr {
  kind: "Type";
  name: Ident;
  /** Undefined for a bare name (`int`); the dims (possibly zero) of `f32[...]`/`graph[...]` otherwise. */
  dims?: Expr[];
  span: Span;
}

// ---------------------------------------------------------------- declarations

export interface ParamDecl {
  kind: "Param";
  name: Ident;
  type?: TypeExpr;
  default?: Expr;
  span: Span;
}

/** `name = <layer instance or stack>` inside a block or model. */
export interface LayerMember {
  kind: "LayerMember";
  name: Ident;
  value: Expr;
  span: Span;
}

export type Stmt = AssignStmt | ReturnStmt;

export interface AssignStmt {
  kind: "Assign";
  target: Ident;
  value: Expr;
  span: Span;
}

export interface ReturnStmt {
  kind: "Return";
  value: Expr;
  span: Span;
}

/**
 * `forward(h, g) = expr` (expression form: `body` is a single ReturnStmt whose span is the expr)
 * or `forward(x: f32[N, F], g: graph[N]) -> f32[N, C] { ... return h }` (block form).
 */
export interface ForwardDecl {
  kind: "Forward";
  params: ParamDecl[];
  returnType?: TypeExpr;
  body: Stmt[];
  /** True for the `= expr` form. */
  isExpression: boolean;
  span: Span;
}

export interface ModuleDecl {
  kind: "Block" | "Model";
  name: Ident;
  params: ParamDecl[];
  members: LayerMember[];
  forward?: ForwardDecl;
  /**
   * PyG's MessagePassing methods, written like `forward`: `message(x_i, x_j, edge_attr) = …`
   * computes each edge's message and `update(aggr_out, x) = …` each node's result; the block's
   * `propagate(g, x = h, …)` runs them. Present only where the block defines them.
   */
  message?: ForwardDecl;
  update?: ForwardDecl;
  span: Span;
}

/** The methods a block may define besides `forward`. */
export const MESSAGE_PASSING_METHODS = ["message", "update"] as const;

export interface ImportDecl {
  kind: "Import";
  path: StringLit;
  span: Span;
}

/** `dataset cora = load("cora", transforms = [normalize_features])`. */
export interface DatasetDecl {
  kind: "Dataset";
  name: Ident;
  value: Expr;
  span: Span;
}

/** `key = value` inside a train block (data, model, loss, optimizer, epochs, select, report, schedule, passes, …). */
export interface TrainEntry {
  kind: "TrainEntry";
  key: Ident;
  value: Expr;
  span: Span;
}

export interface TrainDecl {
  kind: "Train";
  name: Ident;
  entries: TrainEntry[];
  span: Span;
}

export type Item = ImportDecl | DatasetDecl | ModuleDecl | TrainDecl;

export interface Program {
  kind: "Program";
  file: string;
  items: Item[];
  span: Span;
}

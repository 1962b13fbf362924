import { FUSABLE_BINARY, FUSABLE_UNARY } from "../ir/ops/fused.js";
import { normAxis } from "../ir/ops/common.js";
import { rewriteFunc, type Rewriter } from "../ir/rewrite.js";
import type { Dim, Func, Node, TensorType } from "../ir/types.js";
import { mapFuncs } from "../ir/walk.js";
import type { Pass } from "./pass.js";

/**
 * `fuse-message`: message passing as the frontend lowers it — node rows gathered onto edges
 * (`g.gather_src` for x_j, `g.gather_dst` for x_i), the message's elementwise math per edge, a
 * segment reduction into nodes — rewritten so that no [E, F] tensor is formed where none is needed
 * (the Graphiler idea: user-defined messages at the speed of built-in kernels):
 *
 * - math on one end's rows moves before the gather, to the nodes: op(gather(x)) → gather(op(x))
 *   for elementwise ops (with operands that do not vary by edge), reductions and reshapes that
 *   keep the rows, softmax along a channel axis;
 * - a[src] + b[dst] (or −) becomes one `g.sddmm{op=add}`, Σ_last a[src]·b[dst] one `g.sddmm{op=dot}`;
 * - Σ (or max) over in-edges of w_e · x[src] — an edge term times a node term — becomes one
 *   `g.spmm` with edge weights w [E] or per head [E,H], and of x[src] alone an unweighted one.
 *
 * A user-written GAT message so becomes exactly the built-in GATConv's sddmm → edge softmax →
 * spmm. Each rewrite computes the same values (up to rounding); gathers left without readers are
 * dropped by DCE. Run on the forward, before autodiff, so the backward uses the fused ops' rules.
 */
export const fuseMessage: Pass<Record<string, never>> = {
  name: "fuse-message",
  description: "Fuse gathered message passing into SDDMM/SpMM: op(gather(x)) → gather(op(x)), a[src]+b[dst] → sddmm, Σ w·x[src] → spmm (same values up to rounding).",
  options: {},
  run(module, ctx) {
    let total = 0;
    const out = mapFuncs(module, (func) => {
      const { func: rewritten, count } = fuseFunc(func);
      if (count) ctx.log(`fuse-message: ${func.name}: ${count} rewrite(s)`);
      total += count;
      return rewritten;
    });
    return { module: out, changed: total > 0, diagnostics: [] };
  },
};

const GATHERS: Readonly<Record<string, "src" | "dst">> = { "g.gather_src": "src", "g.gather_dst": "dst" };
const GATHER_OF = { src: "g.gather_src", dst: "g.gather_dst" } as const;

interface Gathered {
  side: "src" | "dst";
  graph: number;
  x: number;
}

function fuseFunc(func: Func): { func: Func; count: number } {
  let count = 0;
  const rewritten = rewriteFunc(func, (node, rw) => {
    const id = fuse(node, rw);
    if (id !== undefined) count++;
    return id;
  });
  return { func: rewritten, count };
}

/** The replacement of `node`'s value, or undefined to keep it. */
function fuse(node: Node, rw: Rewriter): number | undefined {
  const { b } = rw;
  // Every node before this one is in the builder: kept ones are appended to it as they are.
  const gathered = (id: number): Gathered | undefined => {
    const n = b.nodeOf(id);
    const side = n && GATHERS[n.op];
    return side ? { side, graph: n.inputs[0], x: n.inputs[1] } : undefined;
  };
  const tensor = (id: number) => b.typeOf(id) as TensorType;
  const regather = (g: Gathered, value: number) => b.emit(GATHER_OF[g.side], [g.graph, value]);
  return rewrite();

  function rewrite(): number | undefined {
    if (node.type.kind !== "tensor") return undefined;
    const [a, c] = node.inputs;
    const dot = dotProduct();
    if (dot !== undefined) return dot;
    if (node.inputs.length === 1 || (node.op === "t.matmul" && !node.attrs.transA)) {
      // One gathered operand (a matmul's left one: rows of the product are rows of it).
      const g = gathered(a);
      if (!g || !rowLocal(node, tensor(a), c === undefined ? undefined : tensor(c))) return undefined;
      return regather(g, b.emit(node.op, [g.x, ...node.inputs.slice(1)], atNodes(node, tensor(g.x))));
    }
    if (FUSABLE_BINARY.includes(node.op)) return binary(a, c);
    if (node.op === "g.scatter_sum" || node.op === "g.scatter_max") return aggregation(node.inputs[0], a === node.inputs[0] ? c : a);
    return undefined;
  }

  /** Σ over the last axis of a[src] · b[dst] (of one type): one SDDMM{dot}. */
  function dotProduct(): number | undefined {
    if (node.op !== "t.sum" || node.attrs.keepdims) return undefined;
    const product = b.nodeOf(node.inputs[0]);
    const axes = node.attrs.axes as readonly number[];
    if (product?.op !== "t.mul" || axes.length !== 1) return undefined;
    const rank = tensor(product.id).shape.length;
    if (rank < 2 || normAxis(axes[0], rank) !== rank - 1) return undefined;
    const [p, q] = product.inputs.map(gathered);
    if (!p || !q || p.graph !== q.graph || p.side === q.side || !sameType(tensor(p.x), tensor(q.x))) return undefined;
    const [src, dst] = p.side === "src" ? [p, q] : [q, p];
    return b.emit("g.sddmm", [src.graph, src.x, dst.x], { op: "dot" });
  }

  function binary(a: number, c: number): number | undefined {
    const ga = gathered(a);
    const gc = gathered(c);
    if (ga && gc && ga.graph === gc.graph) {
      if (ga.side === gc.side) return regather(ga, b.emit(node.op, [ga.x, gc.x]));
      // a[src] ± b[dst]: one SDDMM (operands of one type).
      const [src, dst] = ga.side === "src" ? [ga, gc] : [gc, ga];
      const same = sameType(tensor(src.x), tensor(dst.x));
      if (same && node.op === "t.add") return b.emit("g.sddmm", [src.graph, src.x, dst.x], { op: "add" });
      if (same && node.op === "t.sub") {
        const negated = b.emit("t.neg", [ga.side === "src" ? dst.x : src.x]);
        return ga.side === "src" ? b.emit("g.sddmm", [src.graph, src.x, negated], { op: "add" }) : b.emit("g.sddmm", [src.graph, negated, dst.x], { op: "add" });
      }
      return undefined;
    }
    // One gathered operand and one that does not vary by edge (a parameter, a constant).
    const [g, other, first] = ga ? [ga, c, true] : gc ? [gc, a, false] : [undefined, a, true];
    if (!g || !rowFree(tensor(other), tensor(first ? a : c))) return undefined;
    const inputs = first ? [g.x, other] : [other, g.x];
    return regather(g, b.emit(node.op, inputs));
  }

  /** Σ or max over in-edges of x[src] or of w_e · x[src]: one SpMM. */
  function aggregation(graph: number, m: number): number | undefined {
    const reduce = node.op === "g.scatter_max" ? "max" : "sum";
    const direct = gathered(m);
    if (direct?.side === "src" && direct.graph === graph) return b.emit("g.spmm", [graph, direct.x], { reduce });
    const product = b.nodeOf(m);
    if (product?.op !== "t.mul") return undefined;
    const [p, q] = product.inputs;
    const gp = gathered(p);
    const gq = gathered(q);
    const [g, w] = gp?.side === "src" ? [gp, q] : gq?.side === "src" ? [gq, p] : [undefined, p];
    if (!g || g.graph !== graph || gathered(w)) return undefined;
    const weights = edgeWeights(tensor(w), tensor(g.x), tensor(m));
    if (!weights) return undefined;
    return b.emit("g.spmm", [graph, asWeights(w, weights, tensor(g.x)), g.x], { reduce });
  }

  /**
   * `w` viewed as SpMM weights of `shape`. A weight reshaped only to broadcast (`unsqueeze(alpha,
   * −1)`) is used as it was when that is a weight shape already — [E], or [E,H] for x [N,H,C] — as
   * the built-in layers pass theirs.
   */
  function asWeights(w: number, shape: Dim[], x: TensorType): number {
    const view = b.nodeOf(w);
    const base = view?.op === "t.reshape" ? view.inputs[0] : undefined;
    if (base !== undefined) {
      const s = tensor(base).shape;
      const fits = s[0] === shape[0] && (s.length === 1 || (s.length === 2 && x.shape.length === 3 && s[1] === x.shape[1]));
      if (fits) return base;
    }
    return b.emit("t.reshape", [w], { shape });
  }
}

function sameType(a: TensorType, b: TensorType): boolean {
  return a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, k) => d === b.shape[k]);
}

/**
 * Whether `node` computes each row of its result from the same row of its (gathered) first
 * operand only, so that it may run on the nodes before the gather.
 */
function rowLocal(node: Node, x: TensorType, other: TensorType | undefined): boolean {
  const rank = x.shape.length;
  switch (node.op) {
    case "t.sum":
    case "t.mean":
    case "t.max":
      return (node.attrs.axes as readonly number[]).every((a) => normAxis(a, rank) !== undefined && normAxis(a, rank) !== 0);
    case "t.softmax":
    case "t.log_softmax":
      return normAxis(node.attrs.axis as number, rank) !== 0 && normAxis(node.attrs.axis as number, rank) !== undefined;
    case "t.reshape":
      return (node.type as TensorType).shape[0] === x.shape[0];
    case "t.matmul":
      // Rows of x times a weight (not an edge tensor): rank-2 operands.
      return rank === 2 && other !== undefined && other.shape.length === 2;
    default:
      return FUSABLE_UNARY.includes(node.op);
  }
}

/** A value that broadcasts along a gathered tensor's rows without varying by row. */
function rowFree(v: TensorType, gathered: TensorType): boolean {
  if (v.shape.length > gathered.shape.length) return false;
  return v.shape.length < gathered.shape.length || v.shape[0] === 1;
}

/** The op's attrs when it runs on the node rows `x` instead of the edge rows: a reshape keeps the rows. */
function atNodes(node: Node, x: TensorType): Node["attrs"] {
  if (node.op !== "t.reshape") return node.attrs;
  const shape = (node.type as TensorType).shape;
  return { ...node.attrs, shape: [x.shape[0], ...shape.slice(1)] };
}

/**
 * The shape `w` takes as SpMM edge weights when `w · x[src]` (of type `m`) scales each edge's row
 * by one number ([E]) or each head's slice by one ([E,H], for x [N,H,C]); undefined otherwise.
 */
function edgeWeights(w: TensorType, x: TensorType, m: TensorType): Dim[] | undefined {
  const rows = m.shape[0];
  if (w.shape.length !== m.shape.length || w.shape[0] !== rows || x.shape.length !== m.shape.length) return undefined;
  if (!m.shape.every((d, k) => k === 0 || d === x.shape[k])) return undefined;
  const rest = w.shape.slice(1);
  if (rest.every((d) => d === 1)) return [rows];
  const perHead = x.shape.length === 3 && rest[0] === x.shape[1] && rest[1] === 1;
  return perHead ? [rows, rest[0]] : undefined;
}

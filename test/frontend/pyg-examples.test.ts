import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { graphFromEdges } from "../../compiler/ir/graph-value.js";
import { inputName } from "../../compiler/ir/struct-views.js";
import { verifyModule } from "../../compiler/ir/verify.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import { formatDiagnostic } from "../../grammar/format.js";
import { initParams, runFunc } from "../../runtime/reference/index.js";

/**
 * The PyG ports in examples/pyg compile without a diagnostic, verify, and run on a tiny graph —
 * node-level models on six nodes, graph-level ones on two graphs of three (a batch vector, edge
 * features) — giving finite outputs of the right rows.
 */
const files = readdirSync("examples/pyg").filter((f) => f.endsWith(".gnn")).sort();
const N = 6;
const ring = [0, 1, 2, 3, 4, 5];
const next = (i: number) => (i < 3 ? (i + 1) % 3 : 3 + ((i - 2) % 3));
const graph = graphFromEdges(N, Int32Array.from([...ring, ...ring.map(next)]), Int32Array.from([...ring.map(next), ...ring]));
const E = graph.numEdges;
const sizes: Record<string, number> = { num_features: 5, num_classes: 3, num_edge_features: 3, num_graphs: 2 };

describe("examples/pyg", () => {
  for (const file of files) {
    it(`${file} compiles cleanly, verifies and runs`, () => {
      const path = `examples/pyg/${file}`;
      const text = readFileSync(path, "utf8");
      const { program, diagnostics } = compile(text, { file: path });
      expect(diagnostics.map((d) => formatDiagnostic(d, () => text))).toEqual([]);
      const dataset = program!.trains[0].data.name;
      const symbols: Record<string, number> = Object.fromEntries(Object.entries(sizes).map(([k, v]) => [`${dataset}.${k}`, v]));
      for (const m of program!.modules) {
        expect(verifyModule(m)).toEqual([]);
        const body = m.funcs[0].body;
        const graphLevel = body.some((n) => inputName(n) === "batch");
        const all = { ...m.symbols, ...symbols, ...(graphLevel ? { B: 2 } : {}) };
        const xType = body.find((n) => inputName(n) === "x")!.type;
        const width = xType.kind === "tensor" && typeof xType.shape[1] === "number" ? xType.shape[1] : sizes.num_features;
        const inputs: Record<string, Value> = {
          x: { kind: "tensor", dtype: "f32", shape: [N, width], data: Float32Array.from({ length: N * width }, (_, k) => Math.cos(k)) },
          graph,
          rng: { kind: "rng", key: [3, 4] },
          batch: { kind: "tensor", dtype: "i32", shape: [N], data: Int32Array.of(0, 0, 0, 1, 1, 1) },
          edge_attr: { kind: "tensor", dtype: "f32", shape: [E, 3], data: Float32Array.from({ length: E * 3 }, (_, k) => (k % 3 === 0 ? 1 : 0)) },
        };
        const params = initParams(m, 1, all);
        for (const func of m.funcs) {
          const [out] = runFunc(func, { inputs, params, symbols: all }) as TensorValue[];
          expect(out.shape[0]).toBe(graphLevel ? 2 : N);
          expect([...out.data].every(Number.isFinite)).toBe(true);
        }
      }
    });
  }
});

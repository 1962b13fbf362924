import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { compileTraining } from "../../compiler/pipeline.js";
import { graphFromEdges } from "../../compiler/ir/graph-value.js";
import { verifyModule } from "../../compiler/ir/verify.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { formatDiagnostic } from "../../grammar/format.js";
import { initParams, runFunc } from "../../runtime/reference/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const examples = readdirSync(join(root, "examples")).filter((f) => f.endsWith(".gnn")).sort();
const read = (file: string) => {
  try {
    return readFileSync(join(root, file), "utf8");
  } catch {
    return undefined;
  }
};

/** A tiny graph (a ring plus an isolated node) and features to run every example on. */
const N = 6;
const ring = Array.from({ length: N - 1 }, (_, i) => i);
const graph = graphFromEdges(N, Int32Array.from([...ring, ...ring.map((i) => (i + 1) % (N - 1))]), Int32Array.from([...ring.map((i) => (i + 1) % (N - 1)), ...ring]));
const symbols = { "cora.num_features": 5, "cora.num_classes": 3 };

describe("examples", () => {
  expect(examples.length).toBeGreaterThanOrEqual(8);
  for (const file of examples) {
    it(`${file} compiles cleanly, verifies and runs`, () => {
      const path = `examples/${file}`;
      const { program, diagnostics } = compile(read(path)!, { file: path, readFile: read });
      expect(diagnostics.map((d) => formatDiagnostic(d, read))).toEqual([]);
      expect(program!.trains.length).toBeGreaterThan(0);
      for (const m of program!.modules) {
        expect(verifyModule(m)).toEqual([]);
        // A schedule's functions come from lowering: they must lower and verify.
        const scheduled = program!.trains.find((t) => t.module === m.name && t.schedule);
        if (scheduled) {
          const lowered = compileTraining(m, scheduled, { target: "reference" });
          expect(lowered.diagnostics.map((d) => formatDiagnostic(d, read))).toEqual([]);
          expect(verifyModule(lowered.training!.module)).toEqual([]);
          continue;
        }
        const params = initParams(m, 1, symbols);
        const xType = m.funcs[0].body.find((n) => n.op === "s.input" && n.attrs.name === "x")!.type;
        if (xType.kind !== "tensor") throw new Error("x is not a tensor");
        const f = typeof xType.shape[1] === "number" ? xType.shape[1] : symbols[xType.shape[1] as keyof typeof symbols];
        const x: TensorValue = { kind: "tensor", dtype: "f32", shape: [N, f], data: Float32Array.from({ length: N * f }, (_, k) => Math.cos(k)) };
        for (const func of m.funcs) {
          const [out] = runFunc(func, { inputs: { x, graph, rng: { kind: "rng", key: [3, 4] } }, params, symbols }) as TensorValue[];
          expect(out.shape[0]).toBe(N);
          expect([...out.data].every(Number.isFinite)).toBe(true);
        }
      }
    });
  }
});

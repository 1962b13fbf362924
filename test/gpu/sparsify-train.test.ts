import { describe, expect, it } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";
import { runTraining } from "../../runtime/train/run.js";
import { compileTrain, gcnSource } from "../train/helpers.js";
import type { GpuDevice } from "../../runtime/gpu/index.js";
import { useGpu } from "./helpers.js";

/**
 * Sparse training on the GPU against the reference device: after two topology updates (RigL
 * and SET) and through train-and-prune's phases, the masks agree exactly — the selections see
 * the same weights to f32 rounding and rank them identically — and the weights to f32 rounding.
 */
const gpu = useGpu();

type State = Readonly<Record<string, TensorValue>>;

async function run(passes: string, device?: GpuDevice) {
  // Topology updates every 2 steps until 75% of 6: steps 2 and 4.
  const source = gcnSource({ epochs: 6, extra: `passes = [${passes}]` }).replace("select    = best(val.accuracy)", "select = last");
  const { spec, module } = compileTrain(source);
  let state: State = {};
  const out = await runTraining(spec, module, { seed: 3, gpu: device, onSelect: (_, s) => void (state = s) });
  if (!out.result) throw new Error(out.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return { result: out.result, state };
}

const CASES = [
  "sparsify(density = 0.2, method = rigl, every = 2, drop = 0.5)",
  "sparsify(density = 0.2, method = set, every = 2, drop = 0.5)",
  "sparsify(density = 0.2, method = prune_slr, every = 1, dense = 0.2, penalty = 0.5, rho = 0.05)",
];

describe("sparse training: GPU = reference", () => {
  for (const passes of CASES) {
    it(passes, async (ctx) => {
      const device = gpu(ctx);
      const [ref, dev] = [await run(passes), await run(passes, device)];
      expect(dev.result.device).toBe("gpu");
      dev.result.history.forEach((h, k) => expect(Math.abs(h.loss - ref.result.history[k].loss), `loss at step ${k + 1}`).toBeLessThan(1e-4));
      for (const [name, want] of Object.entries(ref.state)) {
        const got = dev.state[name];
        if (name.endsWith("_mask")) expect([...got.data], name).toEqual([...want.data]);
        else {
          const worst = Math.max(0, ...[...want.data].map((v, j) => Math.abs(v - got.data[j]) / Math.max(1, Math.abs(v))));
          expect(worst, name).toBeLessThan(1e-4);
        }
      }
      expect(dev.result.peak_bytes).toBe(dev.result.peak_bytes_predicted);
    });
  }
});

import { describe, expect, it } from "vitest";
import type { TensorValue } from "../../compiler/ir/values.js";
import { runScheduledTraining } from "../../runtime/schedules/run.js";
import type { GpuDevice } from "../../runtime/gpu/index.js";
import { compileTrain } from "../train/helpers.js";
import { decoupledSource } from "../schedules/sources.js";
import { useGpu } from "./helpers.js";

/**
 * A schedule on the GPU against the reference device, step for step: the same plan, batches and
 * initial state give every logged loss and, after every evaluated phase, every state entry to f32
 * rounding; and the GPU allocates what its plan predicted.
 */
const gpuOf = useGpu();

async function run(source: string, gpu?: GpuDevice) {
  const { spec, module } = compileTrain(source, "s.gnn");
  const states: Readonly<Record<string, TensorValue>>[] = [];
  const out = await runScheduledTraining(spec, module, { seed: 2, gpu, onSelect: (_, s) => void states.push(s) });
  if (!out.result) throw new Error(out.diagnostics.map((d) => d.message).join("\n"));
  return { result: out.result, states };
}

const close = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));

describe("decoupled training on the GPU matches the reference device step for step", () => {
  const cases: Record<string, string> = {
    "two modules, a round of BT and FT, mini-batches": "modules = [16, 8], k = [1, 2], act = [leaky_relu, linear], inner_act = [linear, relu], passes = 1, max_iter = 4, batch = [64, 24]",
    "three modules, the optimizer kept across visits, full batches": "modules = [12, 12, 6], k = 1, act = [relu, tanh, linear], passes = 1, max_iter = 3, reset_optimizer = false",
  };
  for (const [name, schedule] of Object.entries(cases)) {
    it(name, async (ctx) => {
      const gpu = gpuOf(ctx);
      const source = decoupledSource({ schedule, select: "last" });
      const [ref, dev] = [await run(source), await run(source, gpu)];
      expect(dev.result.device).toBe("gpu");
      const steps = (r: typeof ref) => r.result.schedule.phases.flatMap((p) => p.visits.flatMap((v) => v.losses));
      const want = steps(ref);
      expect(want.length).toBeGreaterThan(12);
      steps(dev).forEach((l, k) => expect(close(l, want[k]), `loss at step ${k + 1}`).toBeLessThan(1e-4));
      expect(dev.states).toHaveLength(ref.states.length);
      ref.states.forEach((state, j) => {
        for (const [entry, v] of Object.entries(state)) {
          const worst = Math.max(...v.data.map((x, i) => close(dev.states[j][entry].data[i], x)));
          expect(worst, `${entry} after evaluation ${j + 1}`).toBeLessThan(1e-4);
        }
      });
      const { train_loss: devLoss, ...devMetrics } = dev.result.metrics;
      const { train_loss: refLoss, ...refMetrics } = ref.result.metrics;
      expect(close(devLoss, refLoss)).toBeLessThan(1e-4);
      expect(devMetrics).toEqual(refMetrics);
      expect(dev.result.peak_bytes).toBe(dev.result.peak_bytes_predicted);
    }, 240_000);
  }
});

import { describe, expect, it } from "vitest";
import { kmeansFuncs } from "../../compiler/schedules/kmeans.js";
import { placeholderSpan } from "../../grammar/span.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { initParams } from "../../runtime/reference/index.js";
import { ReferenceRunner, GpuRunner, type Runner, type RunnerProgram } from "../../runtime/runner/index.js";
import { kmeans } from "../../runtime/schedules/kmeans.js";
import { clusteringScores } from "../../runtime/schedules/clustering-metrics.js";
import { random } from "../support/tensors.js";
import { useGpu } from "../gpu/helpers.js";

/** k-means on a runner (k-means++ seeds, Lloyd steps as IR functions): it finds well-separated blobs, the same on both devices. */

const N = 300;
const K = 3;
const D = 5;

function blobs(seed: number): { points: TensorValue; labels: Int32Array } {
  const rand = random(seed);
  const labels = Int32Array.from({ length: N }, (_, i) => i % K);
  const data = new Float32Array(N * D);
  for (let i = 0; i < N; i++) for (let d = 0; d < D; d++) data[i * D + d] = (d === labels[i] ? 6 : 0) + rand() - 0.5;
  return { points: { kind: "tensor", dtype: "f32", shape: [N, D], data }, labels };
}

function program(points: TensorValue): RunnerProgram {
  const { funcs, state } = kmeansFuncs("emb", "N", D, K, placeholderSpan());
  const module = { name: "k", symbols: { N }, params: [...state, { name: "emb", type: { kind: "tensor", dtype: "f32", shape: ["N", D] }, init: { kind: "zeros" }, trainable: false }], funcs } as const;
  return { funcs, data: {}, state: { ...initParams(module, 0, { N }), emb: points }, symbols: { N } };
}

async function cluster(runner: Runner, labels: Int32Array) {
  try {
    const found = await kmeans(runner, N, K, 7);
    return { found: [...found], scores: clusteringScores(labels, found) };
  } finally {
    runner.destroy();
  }
}

describe("k-means on a runner", () => {
  const gpuOf = useGpu();

  it("finds three separated blobs exactly, under other cluster names", async () => {
    const { points, labels } = blobs(1);
    const { scores } = await cluster(new ReferenceRunner(program(points)), labels);
    expect(scores).toEqual({ clustering_acc: 1, nmi: 1, ari: 1 });
  });

  it("assigns the same clusters on the GPU", async (ctx) => {
    const { points, labels } = blobs(2);
    const ref = await cluster(new ReferenceRunner(program(points)), labels);
    const dev = await cluster(await GpuRunner.open(gpuOf(ctx), program(points)), labels);
    expect(dev.found).toEqual(ref.found);
  });
});

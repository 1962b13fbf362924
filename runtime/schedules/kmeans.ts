import { foldKey, keyFromSeed } from "../../compiler/ir/rng.js";
import { KMEANS } from "../../compiler/schedules/kmeans.js";
import type { TensorValue } from "../../compiler/ir/values.js";
import { Rng } from "../data/prng.js";
import type { Runner } from "../runner/runner.js";

/**
 * k-means with k-means++ seeding on a runner holding the k-means functions (compiler/schedules/
 * kmeans.ts): the distances and Lloyd steps run on the device; the host draws each seed with
 * probability proportional to the squared distance (from a fixed seed) and stops once no row
 * changes cluster, or after `maxIter` steps. Returns each row's cluster.
 */
export async function kmeans(runner: Runner, rows: number, k: number, seed: number, maxIter = 300): Promise<Int32Array> {
  const [a, b] = foldKey(keyFromSeed(seed), 0x6b6d);
  const rng = new Rng([a, b, k, 0x6b6d6e73]);
  const uniform = () => rng.nextU32() / 2 ** 32;
  const picks = new Int32Array(k);
  const chosen = new Float32Array(k);
  const tensor = (dtype: "i32" | "f32", data: Int32Array | Float32Array): TensorValue => ({ kind: "tensor", dtype, shape: [k], data });
  const pickFrom = (weights: ArrayLike<number>): number => {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += Math.max(0, weights[i]);
    let r = uniform() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= Math.max(0, weights[i]);
      if (r < 0) return i;
    }
    return weights.length - 1; // every distance zero: rows repeat the chosen centers
  };
  for (let j = 0; j < k; j++) {
    let pick: number;
    if (j === 0) pick = Math.min(rows - 1, Math.floor(uniform() * rows));
    else {
      await runner.run(KMEANS.nearest, { [KMEANS.chosen]: tensor("f32", chosen) });
      pick = pickFrom((await runner.read(KMEANS.nearest, KMEANS.distances)).data);
    }
    picks.fill(pick, j);
    chosen[j] = 1;
    await runner.run(KMEANS.seed, { [KMEANS.picks]: tensor("i32", picks) });
  }
  for (let it = 0; it < maxIter; it++) {
    await runner.run(KMEANS.step);
    if ((await runner.read(KMEANS.step, KMEANS.changed)).data[0] === 0) break;
  }
  const assign = (await runner.state([KMEANS.assign]))[KMEANS.assign];
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) for (let c = 0; c < k; c++) if (assign.data[i * k + c] === 1) out[i] = c;
  return out;
}

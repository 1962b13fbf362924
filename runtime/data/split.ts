import { DataError } from "./errors.js";
import type { Rng } from "./prng.js";

/**
 * Planetoid's random split (PyG `Planetoid(split="random")`): per class, `perClass` random nodes
 * go to train; the remaining nodes are shuffled, the first `numVal` go to val and the next
 * `numTest` to test. One difference: unlabelled nodes (-1) are never put in a split here, since
 * every split node must have a label to score. Sizes larger than what is left are clipped, as
 * PyG's slicing does. Ids are returned ascending.
 */
export interface SplitSizes {
  perClass: number;
  numVal: number;
  numTest: number;
}

export function drawPlanetoidSplit(
  labels: Int32Array,
  numClasses: number,
  sizes: SplitSizes,
  rng: Rng,
): { train: Int32Array; val: Int32Array; test: Int32Array } {
  for (const [key, v] of Object.entries(sizes)) {
    if (!Number.isSafeInteger(v) || v < 0) throw new DataError("badGenerator", `random split: ${key} = ${v} must be a non-negative integer`);
  }
  const byClass = nodesByClass(labels, numClasses);
  const inTrain = new Uint8Array(labels.length);
  const train: number[] = [];
  for (const members of byClass) {
    rng.shuffle(members);
    for (const id of members.subarray(0, Math.min(sizes.perClass, members.length))) {
      inTrain[id] = 1;
      train.push(id);
    }
  }
  let restCount = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] >= 0 && !inTrain[i]) restCount++;
  const rest = new Int32Array(restCount);
  for (let i = 0, k = 0; i < labels.length; i++) if (labels[i] >= 0 && !inTrain[i]) rest[k++] = i;
  rng.shuffle(rest);
  const valEnd = Math.min(sizes.numVal, rest.length);
  const testEnd = Math.min(valEnd + sizes.numTest, rest.length);
  return {
    train: Int32Array.from(train).sort(),
    val: rest.slice(0, valEnd).sort(),
    test: rest.slice(valEnd, testEnd).sort(),
  };
}

/** Node ids of each class, ascending. */
function nodesByClass(labels: Int32Array, numClasses: number): Int32Array[] {
  const counts = new Int32Array(numClasses);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y >= numClasses) throw new DataError("badValue", `labels[${i}] = ${y} is out of range for ${numClasses} classes`);
    if (y >= 0) counts[y]++;
  }
  const out = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(numClasses);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y >= 0) out[y][fill[y]++] = i;
  }
  return out;
}

import type { TensorValue } from "../../compiler/ir/values.js";

/** Ingredients side by side on the host: G tensors stacked on a leading axis, one taken out, one model's columns of a wide row. */

export function stack(values: readonly TensorValue[]): TensorValue {
  const first = values[0];
  const size = first.data.length;
  const data = new Float32Array(size * values.length);
  values.forEach((v, g) => data.set(v.data as Float32Array, g * size));
  return { kind: "tensor", dtype: "f32", shape: [values.length, ...first.shape], data };
}

export function unstack(stacked: TensorValue, g: number): TensorValue {
  const [count, ...shape] = stacked.shape;
  const size = stacked.data.length / count;
  return { kind: "tensor", dtype: "f32", shape, data: (stacked.data as Float32Array).slice(g * size, (g + 1) * size) };
}

/** Model g's block of an [N, G·C] output, as [N, C]. */
export function columnsOf(wide: TensorValue, g: number, groups: number): TensorValue {
  const [rows, width] = wide.shape;
  const c = width / groups;
  const data = new Float32Array(rows * c);
  for (let r = 0; r < rows; r++) data.set((wide.data as Float32Array).subarray(r * width + g * c, r * width + (g + 1) * c), r * c);
  return { kind: "tensor", dtype: "f32", shape: [rows, c], data };
}

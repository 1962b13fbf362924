import type { DType } from "../../compiler/ir/types.js";
import type { TensorData, TensorValue } from "../../compiler/ir/values.js";

/** Tensors between host and GPU: the device stores f32 floats and 32-bit integers, bool as u32 0/1. */

/** A tensor's data in the layout the GPU stores. */
export function deviceWords(v: TensorValue): ArrayBufferView {
  if (v.data instanceof Float64Array) return Float32Array.from(v.data);
  if (v.data instanceof Uint8Array) return Uint32Array.from(v.data); // bool travels as u32
  return v.data;
}

/** Bytes read back from the GPU as the host array of `dtype`. */
export function hostArray(dtype: DType, bytes: ArrayBuffer): TensorData {
  switch (dtype) {
    case "i32":
      return new Int32Array(bytes);
    case "u32":
      return new Uint32Array(bytes);
    case "bool":
      return Uint8Array.from(new Uint32Array(bytes));
    default:
      return new Float32Array(bytes);
  }
}

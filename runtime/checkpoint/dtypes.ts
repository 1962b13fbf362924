/**
 * The safetensors element types (the names and sizes of the format's specification) and the
 * typed array each one is read into. 16- and 8-bit floats have no JavaScript array type: they
 * are kept as their raw bits (Uint16Array / Uint8Array), so reading and writing stays lossless.
 */

export type TensorArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

interface DTypeInfo {
  readonly bytes: number;
  /** The array type a tensor of this dtype is read into. */
  readonly array: { new (buffer: ArrayBuffer): TensorArray; readonly name: string };
}

const DTYPES = {
  BOOL: { bytes: 1, array: Uint8Array },
  U8: { bytes: 1, array: Uint8Array },
  I8: { bytes: 1, array: Int8Array },
  F8_E4M3: { bytes: 1, array: Uint8Array },
  F8_E5M2: { bytes: 1, array: Uint8Array },
  U16: { bytes: 2, array: Uint16Array },
  I16: { bytes: 2, array: Int16Array },
  F16: { bytes: 2, array: Uint16Array },
  BF16: { bytes: 2, array: Uint16Array },
  U32: { bytes: 4, array: Uint32Array },
  I32: { bytes: 4, array: Int32Array },
  F32: { bytes: 4, array: Float32Array },
  U64: { bytes: 8, array: BigUint64Array },
  I64: { bytes: 8, array: BigInt64Array },
  F64: { bytes: 8, array: Float64Array },
} as const satisfies Record<string, DTypeInfo>;

export type SafetensorsDType = keyof typeof DTYPES;

export const SAFETENSORS_DTYPES = Object.keys(DTYPES) as SafetensorsDType[];

export function isSafetensorsDType(name: unknown): name is SafetensorsDType {
  return typeof name === "string" && Object.hasOwn(DTYPES, name);
}

export function dtypeInfo(dtype: SafetensorsDType): DTypeInfo {
  return DTYPES[dtype];
}

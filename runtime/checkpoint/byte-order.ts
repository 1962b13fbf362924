import type { TensorArray } from "./dtypes.js";

/**
 * safetensors stores data little-endian. Typed arrays use the host's byte order, which is
 * little-endian on every platform Node ships for but s390x; there the bytes are swapped.
 */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function swapInPlace(bytes: Uint8Array, width: number): void {
  for (let at = 0; at < bytes.length; at += width) bytes.subarray(at, at + width).reverse();
}

/** The little-endian bytes of an array: a view of its memory where no swap is needed. */
export function littleEndianBytes(array: TensorArray): Uint8Array {
  const view = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  if (HOST_IS_LITTLE_ENDIAN || array.BYTES_PER_ELEMENT === 1) return view;
  const copy = new Uint8Array(view); // a copy (Buffer#slice would share memory)
  swapInPlace(copy, array.BYTES_PER_ELEMENT);
  return copy;
}

/** A fresh (so aligned) copy of little-endian bytes, in host order, ready to view as `width`-byte elements. */
export function hostOrderCopy(bytes: Uint8Array, width: number): ArrayBuffer {
  const copy = new Uint8Array(bytes); // a copy (Buffer#slice would share memory)
  if (!HOST_IS_LITTLE_ENDIAN && width > 1) swapInPlace(copy, width);
  return copy.buffer;
}

/** Byte-level helpers for building and inspecting safetensors files in tests. */

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A safetensors file from a header text (bytes taken as Latin-1 when not ASCII, to allow invalid UTF-8) and data bytes. */
export function rawFile(header: string, data: readonly number[]): Uint8Array {
  const head = /^[\x00-\x7f]*$/.test(header) ? new TextEncoder().encode(header) : Uint8Array.from(header, (c) => c.charCodeAt(0));
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(head.length), true);
  return concat([prefix, head, Uint8Array.from(data)]);
}

/** The header of a safetensors file: its declared length, text and parsed JSON. */
export function headerOf(file: Uint8Array): { length: number; text: string; json: Record<string, any> } {
  const length = Number(new DataView(file.buffer, file.byteOffset, 8).getBigUint64(0, true));
  const text = new TextDecoder().decode(file.subarray(8, 8 + length));
  return { length, text, json: JSON.parse(text) };
}

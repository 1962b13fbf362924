import { readFileSync } from "node:fs";
import { writeFileAtomic, type AtomicWriteOptions } from "./atomic-write.js";
import { CheckpointError } from "./errors.js";
import { decodeSafetensors, encodeSafetensors, type Metadata, type SafetensorsContents, type SafeTensor } from "./safetensors.js";

/** Write a safetensors file atomically (see writeFileAtomic): a crash leaves the previous file intact. */
export function writeSafetensors(path: string, tensors: Readonly<Record<string, SafeTensor>>, metadata: Metadata = {}, options: AtomicWriteOptions = {}): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata), options);
}

/** Read and validate a safetensors file; problems are CheckpointErrors naming the file. */
export function readSafetensors(path: string): SafetensorsContents {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(code === "ENOENT" ? "no such file" : `cannot read it (${e instanceof Error ? e.message : String(e)})`, path);
  }
  return decodeSafetensors(bytes, path);
}

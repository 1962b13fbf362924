import type { TensorValue } from "../../compiler/ir/values.js";
import type { AtomicWriteOptions } from "./atomic-write.js";
import type { SafetensorsDType } from "./dtypes.js";
import { CheckpointError } from "./errors.js";
import type { Metadata, SafeTensor } from "./safetensors.js";
import { readSafetensors, writeSafetensors } from "./safetensors-file.js";

/**
 * A gnnc checkpoint is a safetensors file holding a training run's state under the IR's names
 * (parameters and buffers as `conv1.lin.weight`, optimizer states as `opt.m.conv1.lin.weight`)
 * and, in `__metadata__`, what is needed to resume: which run, which epoch, which seed.
 */

export const CHECKPOINT_FORMAT = "gnnc-checkpoint";
export const CHECKPOINT_VERSION = 1;

export interface CheckpointInfo {
  run: string;
  module: string;
  dataset: string;
  /** Epochs trained when the state was taken. */
  epoch: number;
  seed: number;
  /** The selection metric (`val_accuracy`); absent with `select = last`. */
  select?: string;
  /** The metrics measured at `epoch`. */
  metrics: Record<string, number>;
}

export interface Checkpoint {
  path: string;
  tensors: Record<string, SafeTensor>;
  /** Absent for a safetensors file gnnc did not write (a converted PyG state dict, say). */
  info?: CheckpointInfo;
}

/** The safetensors dtype a value is written as. f16 is held as f32 on the reference device, so it is written as F32. */
function storedDType(name: string, v: TensorValue): SafetensorsDType {
  const d = v.data;
  if (d instanceof Float32Array) return "F32";
  if (d instanceof Float64Array) return "F64";
  if (d instanceof Int32Array) return "I32";
  if (d instanceof Uint32Array) return "U32";
  if (v.dtype === "bool") return "BOOL";
  throw new CheckpointError(`tensor \`${name}\`: cannot store a ${v.dtype} tensor held as ${d.constructor.name}`);
}

function metadataOf(info: CheckpointInfo): Metadata {
  return {
    format: CHECKPOINT_FORMAT,
    version: String(CHECKPOINT_VERSION),
    run: info.run,
    module: info.module,
    dataset: info.dataset,
    epoch: String(info.epoch),
    seed: String(info.seed),
    ...(info.select === undefined ? {} : { select: info.select }),
    // JSON has no NaN: a metric with nothing to measure is written as null.
    metrics: JSON.stringify(info.metrics, (_, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v)),
  };
}

/** Save a state (every tensor by name) and its info atomically: a crash mid-save leaves the previous file at `path` intact. */
export function saveCheckpoint(path: string, state: Readonly<Record<string, TensorValue>>, info: CheckpointInfo, options: AtomicWriteOptions = {}): void {
  writeSafetensors(path, safeTensors(state), metadataOf(info), options);
}

/** A run's state as the safetensors tensors a checkpoint holds (views of the same data, no copy). */
export function safeTensors(state: Readonly<Record<string, TensorValue>>): Record<string, SafeTensor> {
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, v] of Object.entries(state)) tensors[name] = { dtype: storedDType(name, v), shape: v.shape, data: v.data };
  return tensors;
}

function parseInfo(meta: Metadata, path: string): CheckpointInfo | undefined {
  if (meta.format !== CHECKPOINT_FORMAT) return undefined;
  const fail = (field: string, why: string): never => {
    throw new CheckpointError(`__metadata__.${field} ${why}`, path);
  };
  const text = (field: string): string => meta[field] ?? fail(field, "is missing");
  const count = (field: string): number => {
    const s = text(field);
    return /^\d+$/.test(s) && Number.isSafeInteger(Number(s)) ? Number(s) : fail(field, `must be a non-negative integer, got ${JSON.stringify(s)}`);
  };
  const version = count("version");
  if (version > CHECKPOINT_VERSION) fail("version", `is ${version}, newer than this gnnc reads (${CHECKPOINT_VERSION}); update gnnc`);
  let metrics: unknown;
  try {
    metrics = JSON.parse(text("metrics"));
  } catch {
    fail("metrics", "is not valid JSON");
  }
  if (typeof metrics !== "object" || metrics === null || Array.isArray(metrics)) return fail("metrics", "must be a JSON object");
  const values: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) {
    if (v !== null && typeof v !== "number") fail("metrics", `has a non-number ${k}: ${JSON.stringify(v)}`);
    values[k] = v ?? NaN;
  }
  return {
    run: text("run"),
    module: text("module"),
    dataset: text("dataset"),
    epoch: count("epoch"),
    seed: count("seed"),
    ...(meta.select === undefined ? {} : { select: meta.select }),
    metrics: values,
  };
}

/** Read a checkpoint: its tensors (validated, see decodeSafetensors) and, when gnnc wrote it, its info. */
export function loadCheckpoint(path: string): Checkpoint {
  const { tensors, metadata } = readSafetensors(path);
  const info = parseInfo(metadata, path);
  return info ? { path, tensors, info } : { path, tensors };
}

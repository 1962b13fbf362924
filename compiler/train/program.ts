import type { Module } from "../ir/types.js";
import type { TrainSpec } from "./spec.js";

/** What the frontend hands on: checked train blocks and the IR module of each (or of each standalone model). */
export interface CompiledProgram {
  file: string;
  modules: Module[];
  trains: TrainSpec[];
}

/** The train block named `name`, or the only one, with its module; undefined when ambiguous or absent. */
export function findTrain(program: CompiledProgram, name?: string): { spec: TrainSpec; module: Module } | undefined {
  const k = name === undefined ? (program.trains.length === 1 ? 0 : -1) : program.trains.findIndex((t) => t.name === name);
  if (k < 0) return undefined;
  const spec = program.trains[k];
  const module = program.modules.find((m) => m.name === spec.module);
  return module ? { spec, module } : undefined;
}

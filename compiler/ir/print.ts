import { formatLocation, type Span } from "../../grammar/span.js";
import { formatAttrValue, formatName, formatNumber, formatTypeText } from "./text-format.js";
import { printStepPlan } from "./step-plan.js";
import type { Attrs, Func, InitSpec, Module, Node, ParamInfo, Region } from "./types.js";

/**
 * The textual form of the IR: stable (attrs sorted by name, symbols sorted, everything else in
 * program order) and diff-friendly (one node per line). `parse.ts` reads exactly this form back.
 *
 *   module cora_gcn  # examples/cora-gcn.gnn:1:1
 *   symbol cora.num_features = 1433
 *   param conv1.lin.weight: f32[16,cora.num_features] init=glorot  # examples/cora-gcn.gnn:9:3
 *
 *   func forward {
 *     %7: f32[N,16] = g.spmm{reduce=sum}(%2, %6)  # examples/cora-gcn.gnn:12:9
 *     %9: f32[N,16] = s.loop{trip=4}(%7) {
 *       %10: i32[] = s.arg{index=0}()
 *       …
 *       yield %12
 *     }
 *     return out=%9
 *   }
 */

const INDENT = "  ";

function location(span: Span | undefined): string {
  return span ? `  # ${formatLocation(span)}` : "";
}

function printAttrs(attrs: Attrs): string {
  const keys = Object.keys(attrs).sort();
  if (keys.length === 0) return "";
  return `{${keys.map((k) => `${k}=${formatAttrValue(attrs[k])}`).join(", ")}}`;
}

function printRegionLines(region: Region, depth: number, out: string[]): void {
  for (const p of region.params) printNodeLines(p, depth, out);
  for (const n of region.body) printNodeLines(n, depth, out);
  out.push(`${INDENT.repeat(depth)}yield ${region.results.map((r) => `%${r}`).join(", ")}`.trimEnd());
}

function printNodeLines(node: Node, depth: number, out: string[]): void {
  const pad = INDENT.repeat(depth);
  const head =
    `${pad}%${node.id}: ${formatTypeText(node.type)} = ${node.op}${printAttrs(node.attrs)}` +
    `(${node.inputs.map((i) => `%${i}`).join(", ")})`;
  const regions = node.regions ?? [];
  if (regions.length === 0) {
    out.push(head + location(node.span));
    return;
  }
  out.push(`${head} {${location(node.span)}`);
  regions.forEach((r, k) => {
    printRegionLines(r, depth + 1, out);
    out.push(k === regions.length - 1 ? `${pad}}` : `${pad}} {`);
  });
}

export function printNode(node: Node): string {
  const out: string[] = [];
  printNodeLines(node, 0, out);
  return out.join("\n");
}

export function printFunc(f: Func): string {
  const out = [`func ${formatName(f.name)} {`];
  for (const n of f.body) printNodeLines(n, 1, out);
  const results = f.results.map((r, k) => {
    const name = f.resultNames[k];
    return name === undefined ? `%${r}` : `${formatName(name)}=%${r}`;
  });
  out.push(`${INDENT}return ${results.join(", ")}`.trimEnd());
  out.push("}");
  return out.join("\n");
}

function printInit(init: InitSpec): string {
  const extra: string[] = [];
  if (init.a !== undefined) extra.push(`a=${formatNumber(init.a)}`);
  if (init.fanIn !== undefined) extra.push(`fanIn=${formatNumber(init.fanIn)}`);
  if (init.values !== undefined) extra.push(`values=[${init.values.map(formatNumber).join(", ")}]`);
  return extra.length ? `${init.kind}{${extra.join(", ")}}` : init.kind;
}

export function printParam(p: ParamInfo): string {
  const flags = `${p.trainable ? "" : " buffer"}${p.stacked ? " stacked" : ""}`;
  return `param ${formatName(p.name)}: ${formatTypeText(p.type)} init=${printInit(p.init)}${flags}${location(p.span)}`;
}

export function printModule(m: Module): string {
  const header = [`module ${formatName(m.name)}${location(m.span)}`];
  for (const k of Object.keys(m.symbols).sort()) header.push(`symbol ${formatName(k)} = ${formatNumber(m.symbols[k])}`);
  for (const p of m.params) header.push(printParam(p));
  if (m.steps) header.push(...printStepPlan(m.steps));
  return [header.join("\n"), ...m.funcs.map(printFunc)].join("\n\n");
}

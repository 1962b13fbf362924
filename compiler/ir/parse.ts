import type { Span } from "../../grammar/span.js";
import { isDType } from "./type-utils.js";
import { NUMBER_TOKEN } from "./text-format.js";
import { Reader } from "./text-reader.js";
export { IrParseError } from "./text-reader.js";
import type { AttrValue, Dim, Func, InitKind, InitSpec, Module, Node, ParamInfo, Region, Type } from "./types.js";
import { STEP_FORMULAS, type StepFormula, type StepPlan, type StepPoint, type StepRule, type StepScalar } from "./step-plan.js";

/**
 * Reads the IR text that `print.ts` writes (and IR written by hand in the same form) back into a
 * Module. Locations come back from `# file:line:col` comments as zero-width spans; their `offset`
 * is unknown and set to 0. Any other trailing or whole-line `#` comment is ignored.
 */

const INIT_KINDS: readonly InitKind[] = ["glorot", "kaiming_uniform", "uniform_fan_in", "zeros", "ones", "identity", "values"];

function spanFrom(comment: string | undefined): Span | undefined {
  const m = comment ? /^(.+):(\d+):(\d+)$/.exec(comment) : null;
  if (!m) return undefined;
  const pos = { offset: 0, line: Number(m[2]), column: Number(m[3]) };
  return { file: m[1], start: pos, end: { ...pos } };
}

function withSpan<T extends object>(obj: T, span: Span | undefined): T & { span?: Span } {
  return span ? { ...obj, span } : obj;
}

// ------------------------------------------------------------------ types and attrs

function readDim(r: Reader): Dim {
  if (r.atQuote()) return r.quoted();
  const tok = r.bareToken("a dimension");
  return NUMBER_TOKEN.test(tok) ? Number(tok) : tok; // the printer quotes number-like symbols
}

function readType(r: Reader): Type {
  if (r.eat("(")) {
    const items: Type[] = [];
    do items.push(readType(r));
    while (r.eat(","));
    r.expect(")");
    return { kind: "tuple", items };
  }
  const start = r.mark();
  const head = r.word("a type");
  if (head === "rng") return { kind: "rng" };
  if (head === "graph") {
    r.expect("[");
    const nodes = readDim(r);
    r.expect(",");
    const edges = readDim(r);
    const selfLoops = r.eat(",");
    if (selfLoops && r.word("`self_loops`") !== "self_loops") r.fail("expected `self_loops`");
    r.expect("]");
    return { kind: "graph", nodes, edges, selfLoops };
  }
  if (!isDType(head)) r.failAt(start, `unknown type \`${head}\``);
  r.expect("[");
  const shape: Dim[] = [];
  if (!r.eat("]")) {
    do shape.push(readDim(r));
    while (r.eat(","));
    r.expect("]");
  }
  return { kind: "tensor", dtype: head, shape };
}

function readAttrValue(r: Reader): AttrValue {
  if (!r.eat("[")) return r.scalar("an attribute value");
  const items: (number | string)[] = [];
  if (!r.eat("]")) {
    do {
      const v = r.scalar("a list element");
      if (typeof v === "boolean") r.fail("lists hold numbers, dims or strings");
      items.push(v);
    } while (r.eat(","));
    r.expect("]");
  }
  return items as AttrValue;
}

/** `{k=v, …}` after an op or init kind; empty object when absent. */
function readAttrs(r: Reader): Record<string, AttrValue> {
  if (!r.eat("{")) return {};
  return readAttrsAfterBrace(r);
}

/** The rest of `{k=v, …}` once its `{` is read. */
function readAttrsAfterBrace(r: Reader): Record<string, AttrValue> {
  const attrs: Record<string, AttrValue> = {};
  if (r.eat("}")) return attrs;
  do {
    const key = r.word("an attribute name");
    r.expect("=");
    if (key in attrs) r.fail(`attribute \`${key}\` given twice`);
    attrs[key] = readAttrValue(r);
  } while (r.eat(","));
  r.expect("}");
  return attrs;
}

// ------------------------------------------------------------------ nodes, functions, module

/** Node lines until the closing keyword (`yield` or `return`), which is left unread. */
function readNodes(r: Reader, closer: string): Node[] {
  const nodes: Node[] = [];
  for (;;) {
    if (r.skipBlankLines()) r.fail(`expected \`${closer}\` before the end of the text`);
    if (r.eatKeyword(closer)) return nodes;
    nodes.push(readNode(r));
  }
}

function readNode(r: Reader): Node {
  const id = r.valueRef();
  r.expect(":");
  const type = readType(r);
  r.expect("=");
  const op = r.word("an op name");
  const attrs = readAttrs(r);
  r.expect("(");
  const inputs: number[] = [];
  if (!r.eat(")")) {
    do inputs.push(r.valueRef());
    while (r.eat(","));
    r.expect(")");
  }
  if (!r.eat("{")) return withSpan({ id, op, type, inputs, attrs }, spanFrom(r.endLine()));
  const span = spanFrom(r.endLine());
  const regions: Region[] = [];
  for (;;) {
    regions.push(readRegion(r));
    r.expect("}");
    if (!r.eat("{")) break;
    r.endLine();
  }
  r.endLine();
  return withSpan({ id, op, type, inputs, attrs, regions }, span);
}

function readRegion(r: Reader): Region {
  const nodes = readNodes(r, "yield");
  const results: number[] = [];
  if (!r.atLineEnd()) {
    do results.push(r.valueRef());
    while (r.eat(","));
  }
  r.endLine();
  r.skipBlankLines();
  // Region parameters are the leading s.arg nodes, exactly as the printer writes them.
  let k = 0;
  while (k < nodes.length && nodes[k].op === "s.arg") k++;
  return { params: nodes.slice(0, k), body: nodes.slice(k), results };
}

function readFunc(r: Reader): Func {
  const name = r.name("a function name");
  r.expect("{");
  r.endLine();
  const body = readNodes(r, "return");
  const results: number[] = [];
  const resultNames: string[] = [];
  if (!r.atLineEnd()) {
    do {
      // `name=%id`, or a bare `%id` for a result without a name
      if (r.peek() !== "%") {
        resultNames.push(r.name("a result name"));
        r.expect("=");
      }
      results.push(r.valueRef());
    } while (r.eat(","));
  }
  r.endLine();
  r.skipBlankLines();
  r.expect("}");
  r.endLine();
  return { name, body, results, resultNames };
}

function readInit(r: Reader): InitSpec {
  const start = r.mark();
  const kind = r.word("an init kind");
  if (!(INIT_KINDS as readonly string[]).includes(kind)) r.failAt(start, `unknown init kind \`${kind}\``);
  const extra = readAttrs(r);
  const init: InitSpec = { kind: kind as InitKind };
  for (const [k, v] of Object.entries(extra)) {
    if (k === "values" && Array.isArray(v) && v.every((x) => typeof x === "number")) {
      init.values = v as number[];
      continue;
    }
    if (typeof v !== "number") r.fail(`init option \`${k}\` needs a number`);
    if (k === "a") init.a = v;
    else if (k === "fanIn") init.fanIn = v;
    else r.fail(`unknown init option \`${k}\``);
  }
  return init;
}

function readParam(r: Reader): ParamInfo {
  const name = r.name("a parameter name");
  r.expect(":");
  const type = readType(r);
  if (type.kind !== "tensor") r.fail("parameters are tensors");
  r.expect("init");
  r.expect("=");
  const init = readInit(r);
  let trainable = true;
  let stacked = false;
  for (;;) {
    if (r.eatKeyword("buffer")) trainable = false;
    else if (r.eatKeyword("stacked")) stacked = true;
    else break;
  }
  const span = spanFrom(r.endLine());
  return withSpan({ name, type, init, trainable, ...(stacked ? { stacked } : {}) }, span);
}

export function parseModule(text: string): Module {
  const r: Reader = new Reader(text);
  r.skipBlankLines();
  if (!r.eatKeyword("module")) r.fail("expected `module`");
  const name = r.name("a module name");
  const span = spanFrom(r.endLine());
  const symbols: Record<string, number> = {};
  const params: ParamInfo[] = [];
  const funcs: Func[] = [];
  const steps: { init: string[]; rules: StepRule[]; scalars: StepScalar[]; selectFrom?: StepPoint } = { init: [], rules: [], scalars: [] };
  let planned = false;
  while (!r.skipBlankLines()) {
    if (r.eatKeyword("symbol")) {
      const sym = r.name("a symbol name");
      r.expect("=");
      const v = r.scalar("a number");
      if (typeof v !== "number") r.fail(`symbol ${sym} needs a number`);
      symbols[sym] = v;
      r.endLine();
    } else if (r.eatKeyword("param")) params.push(readParam(r));
    else if (r.eatKeyword("step")) {
      readStepLine(r, steps);
      planned = true;
    } else if (r.eatKeyword("func")) funcs.push(readFunc(r));
    else r.fail("expected `symbol`, `param`, `step` or `func`");
  }
  return withSpan({ name, symbols, params, funcs, ...(planned ? { steps: steps as StepPlan } : {}) }, span);
}

/** `step init F`, `step scalar S = formula{…}`, `step select{from=…}` or `step F{every=…, from=…, until=…}` (step-plan.ts). */
function readStepLine(r: Reader, plan: { init: string[]; rules: StepRule[]; scalars: StepScalar[]; selectFrom?: StepPoint }): void {
  const name = r.name("a function name, `init`, `scalar` or `select`");
  if (name === "select") plan.selectFrom = readPoint(r, readAttrs(r), "from");
  else if (name === "init" && !r.eat("{")) plan.init.push(r.name("a function name"));
  else if (name === "scalar" && !r.eat("{")) {
    const scalar = r.name("a scalar input name");
    r.expect("=");
    const formula = r.word("a formula");
    if (!(STEP_FORMULAS as readonly string[]).includes(formula)) r.fail(`unknown step formula \`${formula}\``);
    const attrs = readAttrs(r);
    const scale = attrs.scale;
    if (typeof scale !== "number") r.fail("a step scalar needs `scale`");
    plan.scalars.push({ name: scalar, formula: formula as StepFormula, scale, from: readPoint(r, attrs, "from")!, until: readPoint(r, attrs, "until")! });
  } else {
    // A function named `init` or `scalar` has its attrs' brace already eaten.
    const attrs = name === "init" || name === "scalar" ? readAttrsAfterBrace(r) : readAttrs(r);
    const every = attrs.every;
    if (typeof every !== "number") r.fail("a step rule needs `every`");
    const until = readPoint(r, attrs, "until", true);
    plan.rules.push({ func: name, every, from: readPoint(r, attrs, "from")!, ...(until ? { until } : {}) });
  }
  r.endLine();
}

function readPoint(r: Reader, attrs: Record<string, AttrValue>, key: string, optional = false): StepPoint | undefined {
  const step = attrs[key];
  const fraction = attrs[`${key}_fraction`];
  if (typeof step === "number") return { step };
  if (typeof fraction === "number") return { fraction };
  if (!optional) r.fail(`a step line needs \`${key}\` or \`${key}_fraction\``);
  return undefined;
}

/** One `func NAME { … }` block on its own (handy for tests that write IR by hand). */
export function parseFunc(text: string): Func {
  const r: Reader = new Reader(text);
  r.skipBlankLines();
  if (!r.eatKeyword("func")) r.fail("expected `func`");
  const f = readFunc(r);
  if (!r.skipBlankLines()) r.fail("unexpected text after the function");
  return f;
}

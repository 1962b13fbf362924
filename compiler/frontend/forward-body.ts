import type { CallExpr, ForwardDecl } from "../../grammar/ast.js";
import type { Span } from "../../grammar/span.js";
import { didYouMean } from "../../grammar/suggest.js";
import type { Dim } from "../ir/types.js";
import type { Elaborator } from "./elaborator.js";
import { evaluate, type EvalScope } from "./eval.js";
import { exprText } from "./expr-text.js";
import { functionNames, getFunction } from "./functions.js";
import { joinPath, type BlockInstance } from "./instance.js";
import { getLayer } from "./layers/index.js";
import { Parameter } from "./layers/parameter.js";
import { isOwnPropagate, propagate } from "./message-passing.js";
import { Abort, didYouMeanHelp, type Reporter } from "./report.js";
import { bindArgs, checkInputCount, type ArgInput } from "./signature.js";
import { matchAnnotation } from "./type-annot.js";
import { describeValue, type Value } from "./value.js";

/** Call a block instance: bind and type-check the forward's parameters, then run its body. */
export function runForward(el: Elaborator, inst: BlockInstance, path: string, display: string, args: readonly ArgInput[], callSpan: Span): Value {
  const r: Reporter = el.reporter;
  const fwd = requireForward(el, inst, callSpan);
  const sig = { name: display, params: fwd.params.map((p) => ({ name: p.name.name, kind: "any" as const, optional: p.default !== undefined })) };
  const site = { reporter: r, callSpan, declSpan: fwd.span };
  checkInputCount(sig, args, site);
  const bound = bindArgs(sig, args, site);
  const statics = el.instantiator.staticScope(inst.params);
  const bindings = new Map<string, Dim>();
  const locals = new Map<string, Value>();
  for (const p of fwd.params) {
    const given = bound.get(p.name.name);
    const value = given ? given.value : evaluate(p.default!, statics);
    if (p.type) {
      const expected = matchAnnotation(p.type, value, statics, bindings);
      if (expected !== undefined) {
        const at = given?.span ?? callSpan;
        r.fail("E307", `\`${display}\` expects \`${p.name.name}: ${expected}\`, found ${describeValue(value)}`, at, {
          labels: [
            { span: at, message: `this is ${describeValue(value)}` },
            { span: p.span, message: "declared here" },
          ],
        });
      }
    }
    locals.set(p.name.name, value);
  }
  const instantiated = { span: inst.span, message: `\`${display}\` is instantiated here` };
  return r.within(instantiated, () => execForward(el, inst, path, fwd, locals, bindings));
}

export function requireForward(el: Elaborator, inst: BlockInstance, callSpan: Span): ForwardDecl {
  const fwd = inst.decl.forward;
  if (fwd) return fwd;
  return el.reporter.fail("E310", `\`${inst.typeName}\` has no \`forward\`, so it cannot be called`, callSpan, {
    labels: [{ span: inst.decl.name.span, message: `\`${inst.typeName}\` is declared here` }],
    help: "add `forward(x, g) = ...` or a `forward(...) { ... return ... }` block",
  });
}

/** Run a forward body with its parameters bound in `locals`; checks the declared return type. */
export function execForward(
  el: Elaborator,
  inst: BlockInstance,
  path: string,
  fwd: ForwardDecl,
  locals: Map<string, Value>,
  bindings: Map<string, Dim>,
): Value {
  const r: Reporter = el.reporter;
  const statics = el.instantiator.staticScope(inst.params);
  // Variables whose statement failed: later statements that read one stop quietly (their error
  // would only follow from the first), the others are still checked, so independent errors all show.
  const failed = new Set<string>();
  const scope = forwardScope(el, inst, path, locals, statics, failed);
  let result: { value: Value; span: Span } | undefined;
  let returnFailed = false;
  for (const stmt of fwd.body) {
    if (result || returnFailed) {
      r.fail("E310", "this statement comes after `return` and never runs", stmt.span, { help: "`return` must be the last statement of `forward`" });
    }
    if (stmt.kind === "Return") {
      returnFailed = !attempt(() => (result = { value: evaluate(stmt.value, scope), span: stmt.value.span }));
      continue;
    }
    const name = stmt.target.name;
    const assigned = attempt(() => {
      if (inst.members.has(name) || inst.params.has(name)) {
        r.fail("E203", `cannot assign to \`${name}\`: it is a ${inst.members.has(name) ? "member" : "parameter"} of \`${inst.typeName}\``, stmt.target.span, {
          help: "choose another name for the variable",
        });
      }
      const value = evaluate(stmt.value, scope);
      if (value.kind === "module") r.fail("E305", "a layer cannot be stored in a variable; call it instead", stmt.value.span);
      locals.set(name, value);
      failed.delete(name);
    });
    if (!assigned) {
      locals.delete(name);
      failed.add(name);
    }
  }
  if (returnFailed || failed.size > 0) throw new Abort();
  if (!result) {
    return r.fail("E310", `\`forward\` of \`${inst.typeName}\` has no \`return\``, fwd.span, { help: "end the body with `return <expression>`" });
  }
  if (fwd.returnType) {
    const expected = matchAnnotation(fwd.returnType, result.value, statics, bindings);
    if (expected !== undefined) {
      r.fail("E303", `\`forward\` of \`${inst.typeName}\` returns ${describeValue(result.value)}, but its declared type is ${expected}`, result.span, {
        labels: [
          { span: result.span, message: `this is ${describeValue(result.value)}` },
          { span: fwd.returnType.span, message: "declared here" },
        ],
      });
    }
  }
  return result.value;
}

/** Run `fn`; false when it aborted after reporting an error. */
function attempt(fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (!(e instanceof Abort)) throw e;
    return false;
  }
}

function forwardScope(el: Elaborator, inst: BlockInstance, path: string, locals: Map<string, Value>, statics: EvalScope, failed: ReadonlySet<string>): EvalScope {
  const scope: EvalScope = {
    reporter: el.reporter,
    lookup: (name) => {
      if (failed.has(name)) throw new Abort(); // its statement's error is already reported
      const member = inst.members.get(name);
      const local = locals.get(name);
      if (local) return local;
      // A `Parameter` member reads as its tensor, as `self.att_src` does in PyG.
      if (member?.kind === "layer" && member.layer === Parameter) return el.param(joinPath(path, name), member.span);
      return (member ? { kind: "module", instance: member } : undefined) ?? statics.lookup(name);
    },
    visibleNames: () => [...locals.keys(), ...inst.members.keys(), ...statics.visibleNames()],
    call: (e) => callInForward(el, inst, path, locals, scope, e),
    stack: (e) =>
      el.reporter.fail("E210", "stacks are declared as members, not inside `forward`", e.span, {
        help: "add `stack = repeat(n) Block(...)` to the members and call `stack(h, ...)`",
      }),
    tensorOp: (op, inputs, span, operandSpans) => el.tensor(op, inputs.map((i) => i.id), {}, { span, operandSpans }),
    constant: (value, span) => el.constant(value, span),
  };
  return scope;
}

function callInForward(el: Elaborator, inst: BlockInstance, path: string, locals: Map<string, Value>, scope: EvalScope, e: CallExpr): Value {
  const r: Reporter = el.reporter;
  if (e.callee.kind !== "Name") {
    const inner = e.callee.kind === "Call" && e.callee.callee.kind === "Name" ? e.callee.callee.name : undefined;
    if (inner && (getLayer(inner) || el.instantiator.hasTemplate(inner))) {
      return r.fail("E210", `\`${inner}\` must be declared as a member; \`forward\` cannot create layers`, e.callee.span, {
        help: `add \`layer = ${exprText(e.callee)}\` to \`${inst.typeName}\` and call \`layer(...)\``,
      });
    }
    return r.fail("E208", "only layers, blocks and functions can be called", e.callee.span);
  }
  const name = e.callee.name;
  if (isOwnPropagate(inst, name) && !locals.has(name)) return propagate(el, inst, path, e, scope, execForward);
  const local = locals.get(name) ?? inst.params.get(name);
  if (local) return r.fail("E208", `\`${name}\` is ${describeValue(local)}; it cannot be called`, e.callee.span);
  const member = inst.members.get(name);
  const fn = member ? undefined : getFunction(name);
  if (!member && !fn) {
    if (getLayer(name) || el.instantiator.hasTemplate(name)) {
      return r.fail("E210", `\`${name}\` must be declared as a member before \`forward\` can call it`, e.callee.span, {
        help: `add \`layer = ${name}(...)\` to \`${inst.typeName}\` and call \`layer(...)\``,
      });
    }
    return r.fail("E202", `unknown function or layer \`${name}\``, e.callee.span, {
      help: didYouMeanHelp(didYouMean(name, [...inst.members.keys(), ...functionNames()])),
    });
  }
  const args: ArgInput[] = e.args.map((a) => ({ name: a.name, value: evaluate(a.value, scope), span: a.value.span }));
  if (member) return el.callInstance(member, joinPath(path, name), joinPath(path, name), args, e.span);
  return el.callFunction(fn!, args, e.span);
}

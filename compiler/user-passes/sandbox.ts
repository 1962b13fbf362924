import vm from "node:vm";

/**
 * Running a user pass's code in this process, within a time limit. The module is CommonJS (as
 * `transpile.ts` makes it) evaluated with a `require` that hands out only gnnc's own API modules:
 * a pass needs nothing else, and a pass that imports the file system or the network is refused.
 * Time limits use V8's termination of a running script (vm's `timeout`), which also stops code
 * called from that script — an endless loop inside `run` included.
 */

/** A user pass's code ran past its time limit. */
export class TimeoutError extends Error {}

/** A user pass's module imported something other than gnnc's API. */
export class ForbiddenImportError extends Error {
  constructor(readonly specifier: string) {
    super(`a user pass may import only gnnc's API (gnnc/ir, gnnc/passes), not \`${specifier}\``);
  }
}

/** What the module's code is wrapped in, on its first line (locate.ts shifts columns by it). */
export const WRAPPER_PREFIX = "(function (exports, require, module) {";

let calls = 0;

/** Call `fn` under a time limit; its exceptions propagate, a timeout becomes a TimeoutError. */
export function callWithin<T>(ms: number, fn: () => T): T {
  const slot = `__gnncUserCall${calls++}`;
  const g = globalThis as unknown as Record<string, unknown>;
  g[slot] = fn;
  try {
    return vm.runInThisContext(`globalThis.${slot}()`, { timeout: ms }) as T;
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT") throw new TimeoutError(`ran past its time limit of ${ms} ms`);
    throw e;
  } finally {
    delete g[slot];
  }
}

/**
 * Evaluate a CommonJS module's code (top-level statements under the time limit) and return its
 * exports. `filename` names it in stack traces.
 */
export function evaluateModule(code: string, filename: string, api: Readonly<Record<string, unknown>>, ms: number): Record<string, unknown> {
  const factory = new vm.Script(`${WRAPPER_PREFIX}${code}\n})`, { filename }).runInThisContext() as (
    exports: object,
    require: (s: string) => unknown,
    module: { exports: object },
  ) => void;
  const module = { exports: {} as Record<string, unknown> };
  const require = (specifier: string) => {
    if (!Object.hasOwn(api, specifier)) throw new ForbiddenImportError(specifier);
    return api[specifier];
  };
  callWithin(ms, () => factory(module.exports, require, module));
  return module.exports;
}

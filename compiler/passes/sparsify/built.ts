import type { StepPlan } from "../../ir/step-plan.js";
import type { Func, ParamInfo, TensorType } from "../../ir/types.js";

/** What a method adds to the lowered module: functions (replacing those of the same name), its step plan, extra state. */
export interface Built {
  funcs: Func[];
  plan: StepPlan;
  /** Parameters besides the masks (ADMM's Z and U, SLR's Lagrangian). */
  state: ParamInfo[];
}

/** The type of a step plan's host scalars. */
export const STEP_SCALAR: TensorType = { kind: "tensor", dtype: "f32", shape: [] };

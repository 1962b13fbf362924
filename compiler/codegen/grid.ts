import type { DispatchSize } from "./kernel.js";

/**
 * Launch grids. Every kernel numbers its workgroups linearly; when there are more than a
 * dimension may hold (WebGPU guarantees 65,535), the grid folds into two dimensions and the
 * kernel recovers the linear index with `LINEAR_WORKGROUP`, ignoring the few surplus groups.
 */

/** `maxComputeWorkgroupsPerDimension` that every WebGPU device supports. */
export const MAX_WORKGROUPS_PER_DIMENSION = 65_535;

/** A grid of at least `groups` workgroups, none of its dimensions over `limit`. */
export function gridFor(groups: number, limit = MAX_WORKGROUPS_PER_DIMENSION): DispatchSize {
  if (!Number.isInteger(groups) || groups < 0) throw new Error(`workgroup count ${groups} is not a count`);
  if (groups <= limit) return { x: groups, y: 1, z: 1 };
  const y = Math.ceil(groups / limit);
  if (y > limit) throw new Error(`${groups} workgroups exceed a ${limit}×${limit} grid`);
  return { x: Math.ceil(groups / y), y, z: 1 };
}

/** Workgroups of `size` invocations needed for `items` invocations. */
export function groupsFor(items: number, size: number): number {
  return Math.ceil(items / size);
}

/** Entry-point parameters every kernel takes (its workgroup and local invocation ids). */
export const ENTRY_PARAMS =
  "@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32";

/** WGSL expression of the linear workgroup index (uniform across the workgroup). */
export const LINEAR_WORKGROUP = "(wid.x + wid.y * nwg.x)";

/**
 * Philox4x32-10 in WGSL, bit for bit the generator of compiler/ir/rng.ts (same multipliers, Weyl
 * constants, round structure and word order), so that a dropout mask drawn on the GPU equals
 * the reference interpreter's. WGSL has no 64-bit product; the high word is assembled from
 * 16-bit limbs, whose partial sums stay below 2³².
 */
export const PHILOX_WGSL = `fn gnnc_mulhi(a: u32, b: u32) -> u32 {
  let a_hi = a >> 16u;
  let a_lo = a & 0xffffu;
  let b_hi = b >> 16u;
  let b_lo = b & 0xffffu;
  let lo_lo = a_lo * b_lo;
  let lo_hi = a_lo * b_hi;
  let hi_lo = a_hi * b_lo;
  let carry = ((lo_lo >> 16u) + (lo_hi & 0xffffu) + (hi_lo & 0xffffu)) >> 16u;
  return a_hi * b_hi + (lo_hi >> 16u) + (hi_lo >> 16u) + carry;
}

fn gnnc_philox(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var r = 0u; r < 10u; r = r + 1u) {
    if (r > 0u) {
      k = k + vec2<u32>(0x9e3779b9u, 0xbb67ae85u);
    }
    let hi0 = gnnc_mulhi(0xd2511f53u, c.x);
    let lo0 = 0xd2511f53u * c.x;
    let hi1 = gnnc_mulhi(0xcd9e8d57u, c.z);
    let lo1 = 0xcd9e8d57u * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
  }
  return c;
}
`;

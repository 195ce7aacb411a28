/**
 * Seeded, order-independent randomness for the phantom. Every value is a pure function of the seed and
 * its inputs, so the same seed gives the same anatomy and the same noise on any machine.
 */

/** Mixes 32-bit integers into one well-distributed unsigned 32-bit hash (a murmur3-style finaliser). */
export function hashInts(a: number, b = 0, c = 0, d = 0): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ Math.imul(b, 0xc2b2ae35), 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15) ^ Math.imul(c, 0x165667b1), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ Math.imul(d, 0x9e3779b1), 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a string (UTF-16 code units) to an unsigned 32-bit integer. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return hashInts(h >>> 0);
}

/** Returns a mulberry32 generator of uniform numbers in [0, 1). */
export function createRandom(seed: number): () => number {
  let state = hashInts(seed) | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Smooth 3-D gradient noise (Perlin's construction) on a seeded periodic lattice of 64^3 cells, scaled
 * to about [-1, 1] (standard deviation about 0.35). Unlike value noise it shows no blocky lattice
 * pattern. Features repeat every 64 cells, so callers pick a cell size that keeps the period larger
 * than the region they texture.
 */
export class NoiseField {
  private static readonly size = 64;
  /** The 12 edge directions of a cube, as x, y, z triples. */
  private static readonly gradients = new Float64Array([1, 1, 0, -1, 1, 0, 1, -1, 0, -1, -1, 0, 1, 0, 1, -1, 0, 1, 1, 0, -1, -1, 0, -1, 0, 1, 1, 0, -1, 1, 0, 1, -1, 0, -1, -1]);
  /** Gradient index times 3 for each lattice point. */
  private readonly lattice: Uint8Array;

  constructor(seed: number) {
    const random = createRandom(seed);
    const n = NoiseField.size;
    this.lattice = new Uint8Array(n * n * n);
    for (let i = 0; i < this.lattice.length; i++) this.lattice[i] = Math.floor(random() * 12) * 3;
  }

  /** Returns the noise at lattice coordinates (x, y, z). */
  at(x: number, y: number, z: number): number {
    const ix = Math.floor(x);
    const iy = Math.floor(y);
    const iz = Math.floor(z);
    const fx = x - ix;
    const fy = y - iy;
    const fz = z - iz;
    const wx = fx * fx * fx * (fx * (fx * 6 - 15) + 10);
    const wy = fy * fy * fy * (fy * (fy * 6 - 15) + 10);
    const wz = fz * fz * fz * (fz * (fz * 6 - 15) + 10);

    const x0 = ix & 63;
    const x1 = (ix + 1) & 63;
    const y0 = (iy & 63) << 6;
    const y1 = ((iy + 1) & 63) << 6;
    const z0 = (iz & 63) << 12;
    const z1 = ((iz + 1) & 63) << 12;

    const a000 = this.corner(x0 + y0 + z0, fx, fy, fz);
    const a100 = this.corner(x1 + y0 + z0, fx - 1, fy, fz);
    const a010 = this.corner(x0 + y1 + z0, fx, fy - 1, fz);
    const a110 = this.corner(x1 + y1 + z0, fx - 1, fy - 1, fz);
    const a001 = this.corner(x0 + y0 + z1, fx, fy, fz - 1);
    const a101 = this.corner(x1 + y0 + z1, fx - 1, fy, fz - 1);
    const a011 = this.corner(x0 + y1 + z1, fx, fy - 1, fz - 1);
    const a111 = this.corner(x1 + y1 + z1, fx - 1, fy - 1, fz - 1);

    const b00 = a000 + (a100 - a000) * wx;
    const b10 = a010 + (a110 - a010) * wx;
    const b01 = a001 + (a101 - a001) * wx;
    const b11 = a011 + (a111 - a011) * wx;
    const c0 = b00 + (b10 - b00) * wy;
    const c1 = b01 + (b11 - b01) * wy;
    const value = 1.4 * (c0 + (c1 - c0) * wz);
    return Math.min(Math.max(value, -1), 1);
  }

  private corner(index: number, dx: number, dy: number, dz: number): number {
    const g = this.lattice[index]!;
    const gradients = NoiseField.gradients;
    return gradients[g]! * dx + gradients[g + 1]! * dy + gradients[g + 2]! * dz;
  }
}

/**
 * A fixed table of standard normal samples and a fast stream over it. Image noise draws two table
 * entries per pixel instead of calling Box-Muller, which keeps rendering of a whole study fast.
 */
export class GaussianStream {
  private static readonly table = buildGaussianTable(1 << 14, 0x5eed);
  private state: number;

  constructor(seed: number) {
    this.state = hashInts(seed) | 1;
  }

  /** Returns the next standard normal sample. */
  next(): number {
    // xorshift32; the state never becomes 0 because it starts odd and xorshift keeps non-zero states.
    let s = this.state;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.state = s;
    return GaussianStream.table[(s >>> 0) & ((1 << 14) - 1)]!;
  }
}

function buildGaussianTable(size: number, seed: number): Float64Array {
  const random = createRandom(seed);
  const table = new Float64Array(size);
  for (let i = 0; i < size; i += 2) {
    const u1 = 1 - random();
    const u2 = random();
    const radius = Math.sqrt(-2 * Math.log(u1));
    table[i] = radius * Math.cos(2 * Math.PI * u2);
    table[i + 1] = radius * Math.sin(2 * Math.PI * u2);
  }
  return table;
}

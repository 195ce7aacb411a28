import type { Endplate, SpineBlock, SpineModel } from './anatomy.js';
import { projectToCenterline, type CenterlinePosition } from './centerline.js';
import { createRandom, hashInts, NoiseField } from './random.js';

/**
 * Noise-free T2 TSE signal of each tissue, in image units with CSF at 1000. The ratios follow a
 * sagittal lumbar T2 TSE (TR about 3500 ms, TE about 100 ms): CSF brightest, then the healthy disc
 * nucleus and fat, marrow intermediate, muscle, annulus and ligaments dark, cortex darkest.
 */
export const tissueSignal = {
  csf: 1000,
  nucleus: 880,
  subcutaneousFat: 640,
  epiduralFat: 600,
  facetFluid: 650,
  retroperitonealFat: 480,
  cord: 430,
  nerveRoot: 520,
  skin: 380,
  remnantDisc: 390,
  marrow: 320,
  ventralEpidural: 330,
  abdomen: 270,
  posteriorMarrow: 270,
  vein: 230,
  interspinousLigament: 200,
  muscle: 165,
  annulus: 170,
  ligamentumFlavum: 110,
  cortex: 70,
  flowVoid: 40,
  gas: 20,
  air: 0,
} as const;

/** Half-width of the linear partial-volume ramp at every tissue boundary (mm). */
const edgeHalfWidth = 0.6;
const cortexMm = 1.0;

/** Result of one sample: noise-free signal before the bias field, and the VerSe id (0 outside bodies and discs). */
export interface TissueSample {
  value: number;
  label: number;
}

interface Root {
  x: number;
  u: number;
}

/**
 * Evaluates the phantom at points in LPS mm. Not re-entrant: it reuses scratch state so that the
 * per-pixel loop allocates nothing.
 */
export class TissueSampler {
  private readonly model: SpineModel;
  private readonly noise: NoiseField;
  private readonly position: CenterlinePosition = { s: 0, u: 0 };
  private readonly plates: readonly Endplate[];
  private readonly plateDistance = new Float64Array(4);
  private readonly blockLow: Float64Array;
  /** First z (mm) of the trunk tables: `backY` and `frontY` give the skin's y per 1 mm of z from there. */
  private readonly zMin: number;
  private readonly backY: Float64Array;
  private readonly frontY: Float64Array;
  private readonly roots: readonly Root[];
  private readonly discS: Float64Array;
  private readonly sConus: number;
  private readonly sAortaEnd: number;
  private readonly sIvcEnd: number;
  private readonly sPsoasTop: number;
  private readonly sPsoasFull: number;
  private readonly sS1Top: number;
  private readonly fatScale: number;
  /** Fine texture at the current sample, computed on first use; NaN until then. */
  private texture = Number.NaN;
  /** Subcutaneous fat thickness at the current sample (mm), or 0 below the reach of fat and muscle wall. */
  private fatMm = 0;
  private x = 0;
  private y = 0;
  private z = 0;

  constructor(model: SpineModel) {
    this.model = model;
    this.noise = new NoiseField(hashInts(model.options.seed, 0x7e47));
    const blocks = model.blocks;
    this.plates = [blocks[0]!.lower, ...blocks.map((b) => b.upper)];
    this.blockLow = Float64Array.from(blocks.map((b) => b.sLow));
    const random = createRandom(hashInts(model.options.seed, 0x51f15e));
    this.fatScale = 0.85 + 0.3 * random();
    this.roots = Array.from({ length: 10 }, () => ({ x: -0.65 + 1.3 * random(), u: 0.05 + 0.55 * random() }));
    const discs = blocks.filter((b) => b.kind === 'disc');
    this.discS = Float64Array.from(discs.map((b) => (b.sLow + b.sHigh) / 2));
    const discMid = (name: string): number => {
      const disc = discs.find((b) => b.name === name)!;
      return (disc.sLow + disc.sHigh) / 2;
    };
    const bodyMid = (name: string): number => model.vertebrae.find((v) => v.name === name)!.s;
    this.sConus = discMid('L1-L2');
    this.sAortaEnd = bodyMid('L4');
    this.sIvcEnd = bodyMid('L5');
    this.sPsoasTop = bodyMid('T12');
    this.sPsoasFull = discMid('L4-L5');
    this.sS1Top = blocks[0]!.sHigh;
    [this.zMin, this.backY, this.frontY] = buildTrunkTables(model);
  }

  /** Writes the signal and label at (x, y, z) LPS mm into `out`. */
  sample(x: number, y: number, z: number, out: TissueSample): void {
    out.label = 0;
    this.x = x;
    this.y = y;
    this.z = z;
    this.texture = Number.NaN;
    this.fatMm = 0;
    const zIndex = clampIndex(Math.round(z - this.zMin), this.backY.length);
    const backY = this.backY[zIndex]!;
    const frontY = this.frontY[zIndex]!;
    const skinDepth = trunkDepth(x, y, backY, frontY);
    if (skinDepth < -edgeHalfWidth) {
      out.value = tissueSignal.air;
      return;
    }
    // Skin and subcutaneous fat contain no spinal structure, so they need no centreline position.
    const subcutaneous = this.subcutaneous(skinDepth, backY, frontY);
    if (subcutaneous >= 0) {
      out.value = subcutaneous * ramp(skinDepth);
      return;
    }
    const position = projectToCenterline(this.model.centerline, y, z, this.position);
    const s = position.s;
    const u = position.u;
    const index = clampIndex(Math.round(s / this.model.centerline.step), this.model.profiles.semiDepth.length);
    let value = this.deepSoftTissue(s, u, index, skinDepth);
    if (x < 95 && x > -95 && u > -90 && u < 110) value = this.spine(s, u, index, value, out);
    out.value = value;
  }

  /**
   * Returns the smooth multiplicative receive-coil bias at (x, y, z), stronger near the posterior spine
   * coil. It varies over tens of mm, so renderers may interpolate it from a coarse grid.
   */
  bias(x: number, y: number, z: number): number {
    const strength = this.model.options.biasFieldStrength;
    if (strength === 0) return 1;
    const fromBack = Math.max(0, this.backY[clampIndex(Math.round(z - this.zMin), this.backY.length)]! - y);
    const coil = 0.35 * Math.exp(-fromBack / 110) - 0.15;
    const drift = 0.06 * this.noise.at(x / 150 + 11.5, y / 150 + 3.2, z / 150 + 7.7);
    return Math.max(0.2, 1 + strength * (coil + drift));
  }

  /** Fine texture (about 5 mm) shared by marrow, fat and muscle at the current sample, in [-1, 1]. */
  private fineTexture(): number {
    if (Number.isNaN(this.texture)) this.texture = this.noise.at(this.x / 5, this.y / 5, this.z / 5);
    return this.texture;
  }

  /**
   * Returns the skin or subcutaneous fat signal, or -1 deeper than the fat. Fat is thinnest over the
   * back and thickest over the flanks, with a slowly varying thickness.
   */
  private subcutaneous(skinDepth: number, backY: number, frontY: number): number {
    if (skinDepth < 1.5) return tissueSignal.skin;
    // Fat is at most about 43 mm thick and the muscle wall under it 9 mm.
    if (skinDepth > 55) return -1;
    // `posteriority` is +1 at the back, -1 at the front.
    const semiAp = (backY - frontY) / 2;
    const posteriority = (this.y - (backY - semiAp)) / semiAp;
    const lateral = 1 - posteriority * posteriority;
    const wobble = this.noise.at(this.x / 40 + 20.5, this.y / 40, this.z / 40);
    this.fatMm = this.fatScale * (24 + 8 * lateral - 8 * Math.max(posteriority, 0)) * (1 + 0.15 * wobble);
    if (skinDepth < this.fatMm) return tissueSignal.subcutaneousFat * (1 + 0.05 * this.fineTexture());
    return -1;
  }

  /** Muscle and abdominal or pelvic contents under the fat, before the spine is painted over them. */
  private deepSoftTissue(s: number, u: number, index: number, skinDepth: number): number {
    const x = this.x;
    const depth = this.model.profiles.semiDepth[index]!;
    // The paraspinal muscles fill a rounded compartment each side of the spinous processes.
    const fromCenter = (u - (depth * 0.8 + 45)) / 50;
    const halfWidth = 70 * Math.sqrt(Math.max(0, 1 - fromCenter * fromCenter));
    if (u > depth * 0.8 + 4 && s > 0 && Math.abs(x) < Math.max(25, halfWidth)) return this.paraspinalMuscle();
    if (skinDepth < this.fatMm + 9) return tissueSignal.muscle * (1 + 0.08 * this.fineTexture());
    // Bowel and other contents: a mottled texture with a few gas pockets.
    const mottle = this.noise.at(x / 25 + 40.5, this.y / 25, this.z / 25);
    if (mottle > 0.9) return tissueSignal.gas + 250 * (1 - ramp((mottle - 0.9) * 25));
    return tissueSignal.abdomen * (1 + 0.4 * mottle);
  }

  private paraspinalMuscle(): number {
    // Fibres run cranio-caudally, so the fatty marbling is stretched along z.
    const marbling = this.noise.at(this.x / 6 + 30.5, this.y / 6, this.z / 18);
    const fat = Math.min(Math.max((marbling - 0.5) * 2, 0), 0.35);
    return tissueSignal.muscle * (1 + 0.1 * this.fineTexture()) * (1 - fat) + tissueSignal.subcutaneousFat * fat;
  }

  private spine(s: number, u: number, i: number, background: number, out: TissueSample): number {
    const profiles = this.model.profiles;
    const x = this.x;
    const ax = x < 0 ? -x : x;
    const depth = profiles.semiDepth[i]!;
    const width = profiles.semiWidth[i]!;
    let value = background;

    // Retroperitoneal fat in front of and beside the column, then psoas, aorta and IVC over it.
    if (s > this.sS1Top && u < 0) {
      const du = (u + depth + 3) / 9;
      const dx = x / (width + 10);
      // The layer thins out over the 30 mm above the S1 endplate and ends there.
      const fade = Math.min(1, (s - this.sS1Top) / 30);
      const fatDepth = (1 - du * du - dx * dx) * 4.5 * fade - (1 - fade) * 2;
      if (fatDepth > -edgeHalfWidth) {
        const fat = tissueSignal.retroperitonealFat * (1 + 0.25 * this.noise.at(x / 6 + 50.5, this.y / 6, this.z / 6));
        value = blend(value, fat, ramp(fatDepth));
      }
    }
    if (u < 25) {
      value = this.psoas(ax, s, u, depth, width, value);
      value = this.vessels(x, s, u, depth, value);
    }
    if (u > 0) value = this.canal(ax, s, u, i, depth, value);
    if (u > -5) value = this.posteriorElements(ax, s, u, value);
    if (u > 0) value = this.duralSac(ax, s, u, i, value);
    value = this.sacrum(ax, s, u, i, value);
    return this.column(s, u, value, out);
  }

  /** Bony canal: epidural fat behind the sac, veins and ligament in front, ligamentum flavum between the laminae. */
  private canal(ax: number, s: number, u: number, i: number, depth: number, value: number): number {
    const profiles = this.model.profiles;
    const sacCenter = profiles.sacCenter[i]!;
    const sacDepth = profiles.sacSemiDepth[i]!;
    const nominalDepth = Math.max(profiles.sacNominalSemiDepth[i]!, 3.5);
    const halfWidth = Math.max(profiles.sacNominalSemiWidth[i]!, 5) + 2;
    const front = depth * 0.8 - 1;
    const back = sacCenter + nominalDepth + 2.5;
    if (ax > halfWidth + 1 || u < front - 1 || u > back + 1) return value;
    const inside = Math.min(halfWidth - ax, u - front, back - u);
    value = blend(value, u > sacCenter ? tissueSignal.epiduralFat : tissueSignal.ventralEpidural, ramp(inside));
    // The ligamentum flavum bridges the gap between laminae, from 9 mm above to 7 mm below each disc.
    const disc = nearestValue(this.discS, s);
    const nearDisc = Math.min(9 - (disc - s), 7 - (s - disc));
    const flavumFront = Math.min(sacCenter + nominalDepth + 1, sacCenter + sacDepth + 0.5);
    const flavum = Math.min(back - u, u - flavumFront, halfWidth - ax, nearDisc);
    if (flavum > -edgeHalfWidth && s > this.model.sS2Top) value = blend(value, tissueSignal.ligamentumFlavum, ramp(flavum));
    // In front of a narrowed sac the space fills with soft tissue where the disc does not reach.
    if (sacDepth < nominalDepth - 0.5) {
      const fill = Math.min(sacCenter - sacDepth - 0.5 - u, u - front, halfWidth - ax);
      if (fill > -edgeHalfWidth) value = blend(value, tissueSignal.ventralEpidural, ramp(fill));
    }
    return value;
  }

  /** Dural sac with CSF, the cord above the conus and the cauda equina below it. */
  private duralSac(ax: number, s: number, u: number, i: number, value: number): number {
    const profiles = this.model.profiles;
    const sacCenter = profiles.sacCenter[i]!;
    const sacDepth = profiles.sacSemiDepth[i]!;
    const sacWidth = profiles.sacSemiWidth[i]!;
    const du = u - sacCenter;
    if (sacDepth < 0.2 || ax > sacWidth + 1 || du > sacDepth + 1 || du < -sacDepth - 1) return value;
    const q = (du / sacDepth) * (du / sacDepth) + (ax / sacWidth) * (ax / sacWidth);
    const inside = ellipseDepth(q, du, ax, sacDepth, sacWidth);
    let csf: number = tissueSignal.csf;
    const cord = profiles.cordRadius[i]!;
    if (cord > 0) {
      const cu = (du + 1) * 1.25;
      csf = blend(csf, tissueSignal.cord, ramp(cord - Math.sqrt(ax * ax + cu * cu)));
    } else if (s < this.sConus) {
      // Roots of the cauda equina lie in the dependent (posterior) half of the sac of a supine patient.
      const x = this.x;
      for (let r = 0; r < this.roots.length; r++) {
        const root = this.roots[r]!;
        const rx = x - root.x * sacWidth;
        const ru = du - root.u * sacDepth;
        const distance2 = rx * rx + ru * ru;
        if (distance2 < 2.5) csf = blend(csf, tissueSignal.nerveRoot, 0.6 * ramp(0.6 - Math.sqrt(distance2)));
      }
    }
    return blend(value, csf, ramp(inside));
  }

  private psoas(ax: number, s: number, u: number, depth: number, width: number, value: number): number {
    if (s > this.sPsoasTop) return value;
    const growth = Math.min(1, (this.sPsoasTop - s) / (this.sPsoasTop - this.sPsoasFull));
    // Below L4-L5 the muscle leaves the spine forwards and sideways towards the groin.
    const below = Math.max(0, this.sPsoasFull - s);
    const radiusX = 8 + 10 * growth;
    const radiusU = 8 + 9 * growth;
    const dx = ax - (width + radiusX - 5 + below * 0.5);
    const du = u - (-0.15 * depth + 2 - below * 0.8);
    const q = (dx / radiusX) * (dx / radiusX) + (du / radiusU) * (du / radiusU);
    if (q > 1.3) return value;
    return blend(value, tissueSignal.muscle * 0.95 * (1 + 0.08 * this.fineTexture()), ramp(ellipseDepth(q, du, dx, radiusU, radiusX)));
  }

  private vessels(x: number, s: number, u: number, depth: number, value: number): number {
    const front = u + depth + 13;
    // Aorta (flow void, left of the midline) down to its bifurcation at L4, then two iliac arteries.
    if (s > this.sAortaEnd) {
      const dx = x - 12;
      const r2 = dx * dx + front * front;
      if (r2 < 144) value = blend(value, tissueSignal.flowVoid, ramp(10.5 - Math.sqrt(r2)));
    } else if (s > this.sAortaEnd - 45) {
      const spread = 6 + (this.sAortaEnd - s) * 0.7;
      for (let side = -1; side <= 1; side += 2) {
        const dx = x - (6 + side * spread);
        const r2 = dx * dx + front * front;
        if (r2 < 64) value = blend(value, tissueSignal.flowVoid, ramp(6 - Math.sqrt(r2)));
      }
    }
    // Inferior vena cava, right of the midline, with slow flow of intermediate signal.
    if (s > this.sIvcEnd) {
      const dx = x + 17;
      const du = u + depth + 9;
      const q = (dx / 12) * (dx / 12) + (du / 8) * (du / 8);
      if (q < 1.3) value = blend(value, tissueSignal.vein, ramp(ellipseDepth(q, du, dx, 8, 12)));
    }
    return value;
  }

  private posteriorElements(ax: number, s: number, u: number, value: number): number {
    const model = this.model;
    if (ax > 60) return value;
    const vertebrae = model.vertebrae;
    const profiles = model.profiles;
    for (let v = 0; v < vertebrae.length; v++) {
      const vertebra = vertebrae[v]!;
      const ds = s - vertebra.s;
      if (ds > 22 || ds < -32) continue;
      const sacCenter = profiles.sacCenter[clampIndex(Math.round(vertebra.s / model.centerline.step), profiles.sacCenter.length)]!;
      const wall = vertebra.semiDepth * 0.8;
      const isSacral = vertebra.name === 'S1';
      let bone = -Infinity;
      // Pedicle: an elliptic rod from the body's posterior wall back to the facets.
      {
        const dp = ds - 3;
        const dx = ax - 17;
        const q = (dp / 7.5) * (dp / 7.5) + (dx / 4.5) * (dx / 4.5);
        if (q < 1.5) bone = Math.min(ellipseDepth(q, dp, dx, 7.5, 4.5), u - (wall - 4), sacCenter + 3 - u);
      }
      // Laminae: a posteriorly opening V from the pedicles to the spinous process base.
      if (ax < 19) {
        const center = sacCenter + 15 - (ax / 17) * 8 - 0.2 * (ds + 3);
        bone = Math.max(bone, Math.min(2.7 - Math.abs(u - center), 8 - Math.abs(ds + 3), 18 - ax));
      }
      // Spinous process: a midline plate sloping caudally as it runs back; short on S1 (median crest).
      if (ax < 5) {
        const along = u - (sacCenter + 13);
        const length = isSacral ? 10 : vertebra.name.startsWith('T') ? 30 : 27;
        let slope = 0.25;
        if (vertebra.name === 'T12') slope = 0.4;
        if (vertebra.name === 'T10' || vertebra.name === 'T11') slope = 0.6;
        const halfHeight = isSacral ? 5 : 7.5 - 0.05 * along;
        const vertical = halfHeight - Math.abs(ds + 5 + slope * along);
        // The tip is rounded: the last 4 mm narrow in height.
        const tip = length - along;
        const rounded = tip < 4 ? Math.min(vertical, tip + (vertical < 4 ? vertical - 4 : 0)) : vertical;
        bone = Math.max(bone, Math.min(3.5 - ax * (1 + along / 80), rounded, tip, along + 3));
      }
      // Transverse processes, level with the pedicles; the sacrum has alae instead.
      if (!isSacral) {
        const tipX = 17 + vertebra.transverseProcessMm;
        bone = Math.max(bone, Math.min(4.5 - Math.abs(ds - 2), 3.5 - Math.abs(u - (sacCenter - 2)), tipX - ax, ax - 12));
      }
      if (bone > -edgeHalfWidth) value = blend(value, this.boneSignal(bone, tissueSignal.posteriorMarrow), ramp(bone));
      // Interspinous ligament and fat between this spinous process and the one below.
      if (!isSacral && ax < 3 && u > sacCenter + 13 && u < sacCenter + 38 && ds < -12 && ds > -26) {
        value = blend(value, tissueSignal.interspinousLigament * (1 + 0.3 * this.fineTexture()), ramp(Math.min(3 - ax, -12 - ds, ds + 26)));
      }
      // Facet joint with the vertebra below, a little below the disc between them.
      const next = vertebrae[v + 1];
      if (next !== undefined) {
        const dj = s - ((vertebra.s + next.s) / 2 - 3);
        const cx = ax - 17.5;
        const cu = u - (sacCenter + 4);
        const q = (cx / 7) * (cx / 7) + (cu / 8) * (cu / 8) + (dj / 11) * (dj / 11);
        if (q < 1.4) {
          const inside = ellipseDepth3(q, cx, cu, dj, 7, 8, 11);
          // The joint space runs obliquely, its front end nearer the midline.
          const joint = Math.abs(cx * 0.74 - cu * 0.67);
          const signal = joint < 0.6 && inside > 1.5 ? tissueSignal.facetFluid : this.boneSignal(inside, tissueSignal.posteriorMarrow);
          value = blend(value, signal, ramp(inside));
        }
      }
    }
    return value;
  }

  private sacrum(ax: number, s: number, u: number, i: number, value: number): number {
    const model = this.model;
    if (s > this.sS1Top + 5) return value;
    const profiles = model.profiles;
    const depth = profiles.semiDepth[i]!;
    const width = profiles.semiWidth[i]!;
    const x = this.x;
    const y = this.y;
    const z = this.z;
    const s1Lower = this.plates[0]!;
    const aboveS2 = plateDistance(s1Lower, x, y, z);

    let bone = -Infinity;
    if (aboveS2 < 3) {
      // Sacral segments S2 to S5: a tapering block, with the roof of the sacral canal behind it.
      bone = Math.min(-aboveS2, u + depth, depth * 0.8 - u, width - ax, s - 2);
      const roofFront = profiles.sacCenter[i]! + Math.max(profiles.sacNominalSemiDepth[i]!, 3.5) + 0.5;
      bone = Math.max(bone, Math.min(u - roofFront, roofFront + 6 - u, width * 0.55 - ax, 20 - aboveS2, s - 10));
    }
    // Alae: lateral masses beside the S1 body, unlabelled bone.
    const s1 = model.blocks[0]!;
    const belowS1Top = -plateDistance(s1.upper, x, y, z) - 2;
    if (aboveS2 > -3 && belowS1Top > -3) {
      const alaWidth = 48 - 0.4 * Math.max(0, -belowS1Top);
      bone = Math.max(bone, Math.min(aboveS2 + 3, belowS1Top, ax - (s1.semiWidth - 4), alaWidth - ax, u + depth * 0.6, depth * 0.8 + 10 - u));
    }
    if (bone <= -edgeHalfWidth) return value;

    let signal = this.boneSignal(bone, tissueSignal.marrow);
    // Remnant discs between the fused sacral segments S2 to S5 show as faint lines.
    for (let k = 1; k <= 3; k++) {
      const line = Math.abs(s - (model.sS2Top - 24 * k));
      if (line < 0.8 && bone > 1.5) signal = blend(signal, tissueSignal.remnantDisc, 1 - line / 0.8);
    }
    return blend(value, signal, ramp(bone));
  }

  /** Paints the vertebral bodies and discs, which share endplates, and sets the label from hard membership. */
  private column(s: number, u: number, value: number, out: TissueSample): number {
    const x = this.x;
    if (x > 32 || x < -32 || u < -26 || u > 32) return value;
    const y = this.y;
    const z = this.z;
    const blocks = this.model.blocks;
    // Blocks are ordered by s; tilted endplates reach a few mm into the neighbours' range.
    const k = Math.min(Math.max(upperBound(this.blockLow, s) - 1, 0), blocks.length - 1);
    const first = Math.max(0, k - 1);
    const last = Math.min(blocks.length - 1, k + 1);
    const distances = this.plateDistance;
    for (let p = first; p <= last + 1; p++) distances[p - first] = plateDistance(this.plates[p]!, x, y, z);
    let alphaSum = 0;
    let weighted = 0;
    for (let b = first; b <= last; b++) {
      const block = blocks[b]!;
      const below = distances[b - first]!;
      const above = -distances[b - first + 1]!;
      if (below < -edgeHalfWidth || above < -edgeHalfWidth) continue;
      const inside = blockDepth(block, x, y, z, below, above);
      if (inside < -edgeHalfWidth) continue;
      if (inside >= 0) out.label = block.id;
      const alpha = ramp(inside);
      const signal = block.kind === 'body' ? this.boneSignal(inside, tissueSignal.marrow) : this.discSignal(block, below, above, inside);
      alphaSum += alpha;
      weighted += alpha * signal;
    }
    if (alphaSum === 0) return value;
    // Adjacent blocks meet at a shared endplate where each has weight 0.5, so their weights sum to 1.
    return blend(value, weighted / alphaSum, Math.min(alphaSum, 1));
  }

  private boneSignal(inside: number, marrowSignal: number): number {
    const marrow = marrowSignal * (1 + 0.1 * this.fineTexture());
    if (inside >= cortexMm) return marrow;
    if (inside <= 0) return tissueSignal.cortex;
    const t = inside / cortexMm;
    return tissueSignal.cortex + (marrow - tissueSignal.cortex) * t * t;
  }

  private discSignal(block: SpineBlock, below: number, above: number, inside: number): number {
    const u = (this.y - block.centerY) * block.posteriorY + (this.z - block.centerZ) * block.posteriorZ;
    const degeneration = block.degeneration;
    const size = 1 - 0.3 * degeneration;
    // t runs from -1 at the lower endplate to +1 at the upper one.
    const t = (below - above) / Math.max(below + above, 0.5);
    const nu = (u - 0.06 * block.semiDepth) / (0.72 * block.semiDepth * size);
    const nx = this.x / (0.72 * block.semiWidth * size);
    const nt = t / 0.92;
    const q = nu * nu + nx * nx + nt * nt;
    const nucleusWeight = Math.min(Math.max((1 - q) / 0.4, 0), 1);
    // A thin intranuclear cleft darkens the middle of adult nuclei.
    const cleft = 1 - (0.15 + 0.3 * degeneration) * Math.exp(-(t * t) / 0.012);
    const nucleus = (tissueSignal.nucleus * (1 - 0.82 * degeneration) + tissueSignal.annulus * 0.82 * degeneration) * cleft;
    const annulus = tissueSignal.annulus * (inside < 1 ? 0.8 : 1);
    return (annulus + (nucleus - annulus) * nucleusWeight) * (1 + 0.04 * this.fineTexture());
  }
}

/** Signed distance (mm) above an endplate's surface, including its central concavity. */
function plateDistance(plate: Endplate, x: number, y: number, z: number): number {
  const dy = y - plate.centerY;
  const dz = z - plate.centerZ;
  const planar = dy * plate.normalY + dz * plate.normalZ;
  if (plate.concavitySign === 0) return planar;
  const along = (dy * plate.posteriorY + dz * plate.posteriorZ) / plate.concavitySemiDepth;
  const across = x / plate.concavitySemiWidth;
  const r2 = along * along + across * across;
  return r2 >= 1 ? planar : planar + plate.concavitySign * plate.concavityMm * (1 - r2);
}

/**
 * Returns the approximate depth (mm) of a point inside a block, negative outside: the slab distances
 * `below` and `above` from its endplates combined with the elliptic cross-section, corners rounded.
 */
function blockDepth(block: SpineBlock, x: number, y: number, z: number, below: number, above: number): number {
  const dy = y - block.centerY;
  const dz = z - block.centerZ;
  const u = dy * block.posteriorY + dz * block.posteriorZ;
  let semiDepth = block.semiDepth;
  let semiWidth = block.semiWidth;
  let rounding = 1.5;
  if (block.kind === 'body') {
    // Bodies are waisted: about 6 % narrower at mid-height than at the endplates.
    const w = (dy * block.normalY + dz * block.normalZ) / (block.heightMm / 2);
    const waist = 1 - 0.06 * (1 - Math.min(w * w, 1));
    semiDepth *= waist;
    semiWidth *= waist;
    rounding = 2.5;
  } else {
    const swell = 1 + 0.05 * block.degeneration;
    semiDepth *= swell;
    semiWidth *= swell;
  }
  let axisU = semiDepth;
  const nx = x / semiWidth;
  if (u > 0) {
    // The posterior wall is flatter than the front and slightly concave towards the canal.
    axisU = semiDepth * block.posteriorDepthRatio * (1 + 0.6 * nx * nx);
    if (block.posteriorBulgeMm > 0) axisU += block.posteriorBulgeMm * Math.exp(-(x * x) / 81);
  }
  const nu = u / axisU;
  const section = ellipseDepth(nu * nu + nx * nx, u, x, axisU, semiWidth);
  return roundedIntersection(Math.min(below, above), section, rounding);
}

/** Approximate depth (mm) inside the ellipse with semi-axes (a, b) at offsets (p, q); `normalizedSquare` is (p/a)² + (q/b)². */
function ellipseDepth(normalizedSquare: number, p: number, q: number, a: number, b: number): number {
  const gp = p / (a * a);
  const gq = q / (b * b);
  const gradient = 2 * Math.sqrt(gp * gp + gq * gq);
  const cap = a < b ? a : b;
  if (gradient < 1e-9) return cap;
  const depth = (1 - normalizedSquare) / gradient;
  return depth < cap ? depth : cap;
}

function ellipseDepth3(normalizedSquare: number, p: number, q: number, r: number, a: number, b: number, c: number): number {
  const gp = p / (a * a);
  const gq = q / (b * b);
  const gr = r / (c * c);
  const gradient = 2 * Math.sqrt(gp * gp + gq * gq + gr * gr);
  const cap = Math.min(a, b, c);
  if (gradient < 1e-9) return cap;
  return Math.min((1 - normalizedSquare) / gradient, cap);
}

/** Intersection of two inside-distances with the corner rounded to `radius`. */
function roundedIntersection(d1: number, d2: number, radius: number): number {
  if (d1 >= radius || d2 >= radius) return d1 < d2 ? d1 : d2;
  const a = radius - d1;
  const b = radius - d2;
  return radius - Math.sqrt(a * a + b * b);
}

/** Partial-volume weight of a structure at signed depth `d` (mm): 0 outside, 1 inside, linear across the edge. */
function ramp(d: number): number {
  if (d >= edgeHalfWidth) return 1;
  if (d <= -edgeHalfWidth) return 0;
  return 0.5 + d / (2 * edgeHalfWidth);
}

function blend(under: number, over: number, alpha: number): number {
  return under + (over - under) * alpha;
}

function clampIndex(index: number, length: number): number {
  return Math.min(Math.max(index, 0), length - 1);
}

/** Returns the first index whose value exceeds `value` in an ascending array. */
function upperBound(values: Float64Array, value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Returns the entry of a short array nearest to `value`. */
function nearestValue(values: Float64Array, value: number): number {
  let best = values[0]!;
  for (let i = 1; i < values.length; i++) {
    if (Math.abs(values[i]! - value) < Math.abs(best - value)) best = values[i]!;
  }
  return best;
}

/**
 * Returns the depth (mm) of a point below the skin, negative outside. The trunk's axial section is an
 * ellipse 310 mm wide spanning from `frontY` to `backY`.
 */
function trunkDepth(x: number, y: number, backY: number, frontY: number): number {
  const semiAp = (backY - frontY) / 2;
  const semiLr = 155;
  const dy = y - (backY - semiAp);
  const nx = x / semiLr;
  const ny = dy / semiAp;
  return ellipseDepth(nx * nx + ny * ny, x, dy, semiLr, semiAp);
}

/**
 * Tabulates, per 1 mm of z, the y of the back and front skin. The back follows the spine about 95 mm
 * behind the lumbar centreline (less over the sacrum), smoothed over ±60 mm. The front is nearly
 * straight, about 235 mm in front of the back, with the belly fullest a little below L3.
 */
function buildTrunkTables(model: SpineModel): [number, Float64Array, Float64Array] {
  const line = model.centerline;
  const n = line.y.length;
  const skinZ = new Float64Array(n);
  const skinY = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = i * line.step;
    const sacral = Math.min(Math.max((model.sS2Top + 20 - s) / 100, 0), 1);
    const back = 95 - 40 * sacral;
    // The posterior offset is the tangent turned by -90° in the (y, z) plane.
    skinY[i] = line.y[i]! + back * line.tangentZ[i]!;
    skinZ[i] = line.z[i]! - back * line.tangentY[i]!;
  }

  // Resample the skin curve per 1 mm of z.
  const zMin = Math.floor(skinZ[0]!) - 250;
  const zMax = Math.ceil(skinZ[n - 1]!) + 250;
  const count = zMax - zMin + 1;
  const raw = new Float64Array(count);
  let j = 0;
  for (let k = 0; k < count; k++) {
    const z = zMin + k;
    while (j < n - 2 && skinZ[j + 1]! < z) j++;
    const z0 = skinZ[j]!;
    const z1 = skinZ[j + 1]!;
    const t = z1 === z0 ? 0 : Math.min(Math.max((z - z0) / (z1 - z0), 0), 1);
    raw[k] = skinY[j]! + (skinY[j + 1]! - skinY[j]!) * t;
  }

  const backY = new Float64Array(count);
  const frontY = new Float64Array(count);
  const sL3 = model.vertebrae.find((v) => v.name === 'L3')!.s;
  const zL3 = line.z[Math.round(sL3 / line.step)]!;
  const backAtL3 = raw[Math.round(zL3 - zMin)]!;
  for (let k = 0; k < count; k++) {
    let sum = 0;
    let weight = 0;
    for (let d = -60; d <= 60; d++) {
      const m = k + d;
      if (m < 0 || m >= count) continue;
      sum += raw[m]!;
      weight++;
    }
    backY[k] = sum / weight;
    const z = zMin + k;
    const belly = (z - (zL3 - 40)) / 80;
    frontY[k] = backAtL3 - 225 - 15 * Math.exp(-belly * belly);
  }
  return [zMin, backY, frontY];
}

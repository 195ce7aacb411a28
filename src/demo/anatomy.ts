import { centerlineThrough, projectToCenterline, type Centerline } from './centerline.js';
import { createRandom } from './random.js';

/**
 * Geometry of the demo phantom's spine, built in the mid-sagittal plane (x = 0, LPS mm) from a table
 * of typical adult lumbar dimensions. Endplates are planes whose normals lie in the y-z plane, so the
 * spine has lordosis but no scoliosis or rotation.
 *
 * Angles: an endplate's tilt φ is the angle of its cranial normal from +z towards anterior (-y).
 * The normal is (y, z) = (-sin φ, cos φ) and the in-plane posterior direction is (cos φ, sin φ).
 */

/** Vertebrae of the phantom from cranial to caudal; S1 is the first sacral segment. */
export const phantomVertebraNames = ['T10', 'T11', 'T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'S1'] as const;
export type PhantomVertebraName = (typeof phantomVertebraNames)[number];

/** Disc levels of the phantom from cranial to caudal. */
export const phantomDiscLevels = ['T10-T11', 'T11-T12', 'T12-L1', 'L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'] as const;
export type PhantomDiscLevel = (typeof phantomDiscLevels)[number];

/** VerSe structure ids: 17 T10 … 24 L5, 26 sacrum (its S1 body here). A disc is 100 + the id above it. */
export const verseIds: Readonly<Record<PhantomVertebraName, number>> = {
  T10: 17,
  T11: 18,
  T12: 19,
  L1: 20,
  L2: 21,
  L3: 22,
  L4: 23,
  L5: 24,
  S1: 26,
};

/** Per-level changes of one disc. */
export interface DiscOptions {
  /** Multiplies the disc height (and the tangent of its wedge angle); 1 is normal, 0.5 a collapsed disc. Range [0.3, 1.5]. */
  heightFactor?: number;
  /** 0 is a healthy bright nucleus, 1 a black disc (nucleus as dark as the annulus). Range [0, 1]. */
  degeneration?: number;
}

/** Options of the phantom; every field has a default, so `{}` gives the standard phantom. */
export interface PhantomOptions {
  /** Integer seed of the anatomy jitter (about ±5 % sizes, ±2° angles) and of the image noise. Default 1. */
  seed?: number;
  /** Per-level disc changes, keyed by level name such as 'L4-L5'. */
  discs?: Partial<Record<PhantomDiscLevel, DiscOptions>>;
  /**
   * Narrows the dural sac at one disc level: `severity` 0.6 leaves 40 % of the normal antero-posterior
   * CSF diameter, with a posterior disc bulge in front and a thickened ligamentum flavum behind. Range [0, 0.9].
   */
  canalStenosis?: { level: PhantomDiscLevel; severity: number };
  /** Standard deviation of the complex image noise, in image units (CSF is about 1000). Default 12. */
  noiseSigma?: number;
  /** Relative amplitude of the smooth multiplicative bias field; 0 turns it off. Default 1. */
  biasFieldStrength?: number;
}

/** An endplate plane. Concavity makes the real endplate surface dip into the vertebral body near its centre. */
export interface Endplate {
  readonly centerY: number;
  readonly centerZ: number;
  readonly tiltRad: number;
  readonly normalY: number;
  readonly normalZ: number;
  readonly posteriorY: number;
  readonly posteriorZ: number;
  /** Depth of the central endplate concavity in mm, zero at the rim; 0 where no disc touches the plate. */
  readonly concavityMm: number;
  /**
   * +1 when the disc lies above the plate (the surface dips below the plane into the body underneath),
   * -1 when the disc lies below it (the surface rises into the body above), 0 without concavity.
   */
  readonly concavitySign: 1 | -1 | 0;
  /** Semi-axes (antero-posterior, left-right) of the ellipse over which the concavity falls to zero, mm. */
  readonly concavitySemiDepth: number;
  readonly concavitySemiWidth: number;
}

/** A vertebral body or a disc: the slab between two endplates, cut to an elliptic cross-section. */
export interface SpineBlock {
  readonly kind: 'body' | 'disc';
  readonly name: string;
  /** VerSe id: vertebra id for a body, 100 + id of the vertebra above for a disc. */
  readonly id: number;
  readonly lower: Endplate;
  readonly upper: Endplate;
  /** Centre (midpoint of the two endplate centres) and mean axis frame. */
  readonly centerY: number;
  readonly centerZ: number;
  readonly normalY: number;
  readonly normalZ: number;
  readonly posteriorY: number;
  readonly posteriorZ: number;
  /** Height along the mean normal between the endplate centres (mm, without concavity). */
  readonly heightMm: number;
  /** Anterior semi-depth of the cross-section (mm); the posterior wall sits at `posteriorDepthRatio` of it. */
  readonly semiDepth: number;
  readonly posteriorDepthRatio: number;
  /** Left-right semi-width of the cross-section (mm). */
  readonly semiWidth: number;
  /** Arc length of the lower and upper endplate centres along the centreline (mm). */
  readonly sLow: number;
  readonly sHigh: number;
  /** Discs only: 0 healthy … 1 black disc. */
  readonly degeneration: number;
  /** Discs only: extra posterior bulge at the midline (mm), from `canalStenosis`. */
  readonly posteriorBulgeMm: number;
}

/** Posterior-element and canal dimensions of one vertebra, in the centreline frame. */
export interface VertebraFrame {
  readonly name: PhantomVertebraName;
  readonly id: number;
  /** Arc length of the body centre (mm). */
  readonly s: number;
  readonly semiDepth: number;
  readonly semiWidth: number;
  /** Length of each transverse process beyond the pedicle (mm). */
  readonly transverseProcessMm: number;
}

/** Quantities along the centreline used by the canal, the sacrum and the soft tissue, indexed like the centreline. */
export interface CenterlineProfiles {
  /** Antero-posterior semi-depth of the bony column (mm). */
  readonly semiDepth: Float64Array;
  readonly semiWidth: Float64Array;
  /** Offset of the dural sac centre behind the centreline (mm). */
  readonly sacCenter: Float64Array;
  /** Dural sac semi-axes (mm), after any narrowing; zero below the end of the sac. */
  readonly sacSemiDepth: Float64Array;
  readonly sacSemiWidth: Float64Array;
  /** Unnarrowed sac semi-axes, which set the bony canal; a narrowing fills the difference with disc and ligament. */
  readonly sacNominalSemiDepth: Float64Array;
  readonly sacNominalSemiWidth: Float64Array;
  /** Spinal cord radius (mm); zero below the conus tip. */
  readonly cordRadius: Float64Array;
}

export interface SpineModel {
  readonly options: Required<Omit<PhantomOptions, 'discs' | 'canalStenosis'>> & Pick<PhantomOptions, 'discs' | 'canalStenosis'>;
  /** Blocks from caudal (S1 body) to cranial (T10 body), alternating body and disc. */
  readonly blocks: readonly SpineBlock[];
  readonly vertebrae: readonly VertebraFrame[];
  readonly centerline: Centerline;
  readonly profiles: CenterlineProfiles;
  /** Arc length of the S1-S2 junction (where the sacrum below the S1 body starts) and of the end of the dural sac (mm). */
  readonly sS2Top: number;
  readonly sSacEnd: number;
  /** Angle of the S1 superior endplate to the horizontal (degrees). */
  readonly sacralSlopeDeg: number;
  /** Angle between the L1 superior and S1 superior endplates (degrees). */
  readonly lumbarLordosisDeg: number;
}

interface VertebraSpec {
  name: PhantomVertebraName;
  heightMm: number;
  wedgeDeg: number;
  semiDepth: number;
  semiWidth: number;
  transverseProcessMm: number;
}

interface DiscSpec {
  level: PhantomDiscLevel;
  heightMm: number;
  wedgeDeg: number;
}

// Typical adult dimensions, cranial to caudal. A positive wedge means the anterior side is taller
// (lordotic); the S1 body is kyphotic because the sacrum curves forward below it.
const vertebraSpecs: readonly VertebraSpec[] = [
  { name: 'T10', heightMm: 21, wedgeDeg: -4, semiDepth: 14, semiWidth: 17, transverseProcessMm: 10 },
  { name: 'T11', heightMm: 22, wedgeDeg: -4, semiDepth: 14.5, semiWidth: 18, transverseProcessMm: 8 },
  { name: 'T12', heightMm: 23.5, wedgeDeg: -3, semiDepth: 15, semiWidth: 19.5, transverseProcessMm: 8 },
  { name: 'L1', heightMm: 25, wedgeDeg: -2, semiDepth: 15.5, semiWidth: 21, transverseProcessMm: 14 },
  { name: 'L2', heightMm: 26, wedgeDeg: -1, semiDepth: 16, semiWidth: 22, transverseProcessMm: 20 },
  { name: 'L3', heightMm: 26.5, wedgeDeg: 0, semiDepth: 16.5, semiWidth: 23, transverseProcessMm: 26 },
  { name: 'L4', heightMm: 26.5, wedgeDeg: 1, semiDepth: 17, semiWidth: 24, transverseProcessMm: 22 },
  { name: 'L5', heightMm: 26, wedgeDeg: 5, semiDepth: 17, semiWidth: 25, transverseProcessMm: 18 },
  { name: 'S1', heightMm: 27, wedgeDeg: -6, semiDepth: 17, semiWidth: 23, transverseProcessMm: 0 },
];

const discSpecs: readonly DiscSpec[] = [
  { level: 'T10-T11', heightMm: 5.5, wedgeDeg: 1 },
  { level: 'T11-T12', heightMm: 6, wedgeDeg: 1 },
  { level: 'T12-L1', heightMm: 7, wedgeDeg: 2 },
  { level: 'L1-L2', heightMm: 8, wedgeDeg: 4 },
  { level: 'L2-L3', heightMm: 9, wedgeDeg: 6 },
  { level: 'L3-L4', heightMm: 9.5, wedgeDeg: 8 },
  { level: 'L4-L5', heightMm: 10, wedgeDeg: 11 },
  { level: 'L5-S1', heightMm: 9.5, wedgeDeg: 15 },
];

const degToRad = Math.PI / 180;
const centerlineStep = 0.5;
/** Ratio of the posterior-wall depth to the anterior semi-depth of a body at the midline. */
const posteriorDepthRatio = 0.8;
const endplateConcavityMm = 1.0;
/** Gap between the posterior body wall and the dural sac (posterior longitudinal ligament, epidural veins), mm. */
const ventralEpiduralGapMm = 1.5;
const sacrumLengthMm = 115;

/** Checks the options and fills in defaults. @throws RangeError naming the option and its valid range. */
export function resolvePhantomOptions(options: PhantomOptions = {}): SpineModel['options'] {
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in [0, 4294967295], got ${seed}`);
  }
  const noiseSigma = options.noiseSigma ?? 12;
  if (!(noiseSigma >= 0 && noiseSigma <= 200)) throw new RangeError(`noiseSigma must be in [0, 200], got ${noiseSigma}`);
  const biasFieldStrength = options.biasFieldStrength ?? 1;
  if (!(biasFieldStrength >= 0 && biasFieldStrength <= 2)) {
    throw new RangeError(`biasFieldStrength must be in [0, 2], got ${biasFieldStrength}`);
  }
  for (const [level, disc] of Object.entries(options.discs ?? {})) {
    if (!(phantomDiscLevels as readonly string[]).includes(level)) {
      throw new RangeError(`discs has unknown level '${level}'; expected one of ${phantomDiscLevels.join(', ')}`);
    }
    const factor = disc?.heightFactor ?? 1;
    if (!(factor >= 0.3 && factor <= 1.5)) throw new RangeError(`discs['${level}'].heightFactor must be in [0.3, 1.5], got ${factor}`);
    const degeneration = disc?.degeneration ?? 0;
    if (!(degeneration >= 0 && degeneration <= 1)) {
      throw new RangeError(`discs['${level}'].degeneration must be in [0, 1], got ${degeneration}`);
    }
  }
  const stenosis = options.canalStenosis;
  if (stenosis !== undefined) {
    if (!(phantomDiscLevels as readonly string[]).includes(stenosis.level)) {
      throw new RangeError(`canalStenosis.level '${stenosis.level}' is unknown; expected one of ${phantomDiscLevels.join(', ')}`);
    }
    if (!(stenosis.severity >= 0 && stenosis.severity <= 0.9)) {
      throw new RangeError(`canalStenosis.severity must be in [0, 0.9], got ${stenosis.severity}`);
    }
  }
  return { seed, noiseSigma, biasFieldStrength, discs: options.discs, canalStenosis: options.canalStenosis };
}

function makeEndplate(centerY: number, centerZ: number, tiltRad: number, semiDepth: number, semiWidth: number): Endplate {
  return {
    centerY,
    centerZ,
    tiltRad,
    normalY: -Math.sin(tiltRad),
    normalZ: Math.cos(tiltRad),
    posteriorY: Math.cos(tiltRad),
    posteriorZ: Math.sin(tiltRad),
    concavityMm: 0,
    concavitySign: 0,
    concavitySemiDepth: semiDepth,
    concavitySemiWidth: semiWidth,
  };
}

/** Builds the spine geometry for the options. @throws RangeError from `resolvePhantomOptions`. */
export function buildSpineModel(options: PhantomOptions = {}): SpineModel {
  const resolved = resolvePhantomOptions(options);
  const random = createRandom(resolved.seed);
  const jitter = (relative: number): number => 1 + relative * (2 * random() - 1);
  const offset = (absolute: number): number => absolute * (2 * random() - 1);

  const sacralSlopeDeg = 40 + offset(3);
  const vertebrae = vertebraSpecs.map((spec) => ({
    ...spec,
    heightMm: spec.heightMm * jitter(0.04),
    wedgeDeg: spec.wedgeDeg + offset(1),
    semiDepth: spec.semiDepth * jitter(0.04),
    semiWidth: spec.semiWidth * jitter(0.04),
  }));
  const discs = discSpecs.map((spec) => {
    const choice = resolved.discs?.[spec.level] ?? {};
    const factor = choice.heightFactor ?? 1;
    const wedge = spec.wedgeDeg + offset(1);
    return {
      level: spec.level,
      heightMm: spec.heightMm * jitter(0.05) * factor,
      // Scaling the wedge's tangent with the height keeps a collapsed disc's posterior height positive.
      wedgeRad: Math.atan(Math.tan(wedge * degToRad) * factor),
      degeneration: choice.degeneration ?? 0,
    };
  });

  // Build the endplates from the S1 superior endplate upwards: each block turns the tilt back by its
  // wedge angle, so the lordosis comes from the wedges.
  const s1 = vertebrae[vertebrae.length - 1]!;
  const blocksUp: Array<Omit<SpineBlock, 'sLow' | 'sHigh'>> = [];
  let lower = makeEndplate(0, 0, sacralSlopeDeg * degToRad, s1.semiDepth, s1.semiWidth);
  const s1Upper = lower;
  let l1SuperiorTilt = 0;
  for (let v = vertebrae.length - 2; v >= 0; v--) {
    const above = vertebrae[v]!;
    const below = vertebrae[v + 1]!;
    const disc = discs[v]!;
    const discSemiDepth = ((above.semiDepth + below.semiDepth) / 2) * 1.03;
    const discSemiWidth = (above.semiWidth + below.semiWidth) / 2;
    const discBlock = stackBlock('disc', disc.level, 100 + verseIds[above.name], lower, disc.heightMm, disc.wedgeRad, {
      semiDepth: discSemiDepth,
      semiWidth: discSemiWidth,
      degeneration: disc.degeneration,
    });
    blocksUp.push(discBlock);
    const bodyBlock = stackBlock('body', above.name, verseIds[above.name], discBlock.upper, above.heightMm, above.wedgeDeg * degToRad, {
      semiDepth: above.semiDepth,
      semiWidth: above.semiWidth,
      degeneration: 0,
    });
    blocksUp.push(bodyBlock);
    lower = bodyBlock.upper;
    if (above.name === 'L1') l1SuperiorTilt = lower.tiltRad;
  }
  // The S1 body hangs below its superior endplate; its lower endplate is the S1-S2 junction.
  const s1LowerTilt = s1Upper.tiltRad + s1.wedgeDeg * degToRad;
  const s1MeanTilt = (s1LowerTilt + s1Upper.tiltRad) / 2;
  const s1Lower = makeEndplate(
    s1Upper.centerY + s1.heightMm * Math.sin(s1MeanTilt),
    s1Upper.centerZ - s1.heightMm * Math.cos(s1MeanTilt),
    s1LowerTilt,
    s1.semiDepth,
    s1.semiWidth,
  );
  const s1Block = blockBetween('body', 'S1', verseIds.S1, s1Lower, s1Upper, { semiDepth: s1.semiDepth, semiWidth: s1.semiWidth, degeneration: 0 });

  // Place the anatomy in patient space: the L3 body centre sits at a seeded point near (0, 30, 20) mm.
  const unplaced = [s1Block, ...blocksUp];
  const l3 = unplaced.find((block) => block.name === 'L3')!;
  const shiftY = 30 + offset(3) - l3.centerY;
  const shiftZ = 20 + offset(3) - l3.centerZ;
  const placed = unplaced.map((block) => translateBlock(block, shiftY, shiftZ));

  const plates = sharePlates(placed);
  const centerline = buildCenterline(placed, s1LowerTilt);
  const blocks: SpineBlock[] = placed.map((block, k) => ({
    ...block,
    lower: plates[k]!,
    upper: plates[k + 1]!,
    sLow: projectToCenterline(centerline, block.lower.centerY, block.lower.centerZ).s,
    sHigh: projectToCenterline(centerline, block.upper.centerY, block.upper.centerZ).s,
  }));

  const frames: VertebraFrame[] = vertebrae.map((spec) => {
    const block = blocks.find((b) => b.kind === 'body' && b.name === spec.name)!;
    return {
      name: spec.name,
      id: verseIds[spec.name],
      s: (block.sLow + block.sHigh) / 2,
      semiDepth: spec.semiDepth,
      semiWidth: spec.semiWidth,
      transverseProcessMm: spec.transverseProcessMm * jitter(0.08),
    };
  });

  const sS2Top = blocks[0]!.sLow;
  const sSacEnd = sS2Top - 12;
  const stenosis = resolved.canalStenosis;
  const stenosisDisc = stenosis === undefined ? undefined : blocks.find((b) => b.kind === 'disc' && b.name === stenosis.level);
  const profiles = buildProfiles(centerline, frames, blocks, sS2Top, sSacEnd, stenosisDisc, stenosis?.severity ?? 0);

  // A stenosis pushes the disc at that level back into the space the narrowed sac leaves, keeping
  // the epidural gap in front of the sac.
  const finalBlocks =
    stenosisDisc === undefined
      ? blocks
      : blocks.map((b) => {
          if (b !== stenosisDisc) return b;
          const index = Math.round((b.sLow + b.sHigh) / 2 / centerline.step);
          return { ...b, posteriorBulgeMm: (stenosis?.severity ?? 0) * profiles.sacNominalSemiDepth[index]! };
        });

  return {
    options: resolved,
    blocks: finalBlocks,
    vertebrae: frames,
    centerline,
    profiles,
    sS2Top,
    sSacEnd,
    sacralSlopeDeg,
    lumbarLordosisDeg: (s1Upper.tiltRad - l1SuperiorTilt) / degToRad,
  };
}

interface BlockShape {
  semiDepth: number;
  semiWidth: number;
  degeneration: number;
}

/** Stacks a block of mid-height `heightMm` on `lower`; the upper endplate tilts back by `wedgeRad`. */
function stackBlock(
  kind: SpineBlock['kind'],
  name: string,
  id: number,
  lower: Endplate,
  heightMm: number,
  wedgeRad: number,
  shape: BlockShape,
): Omit<SpineBlock, 'sLow' | 'sHigh'> {
  const upperTilt = lower.tiltRad - wedgeRad;
  const meanTilt = (lower.tiltRad + upperTilt) / 2;
  const upper = makeEndplate(
    lower.centerY - heightMm * Math.sin(meanTilt),
    lower.centerZ + heightMm * Math.cos(meanTilt),
    upperTilt,
    shape.semiDepth,
    shape.semiWidth,
  );
  return blockBetween(kind, name, id, lower, upper, shape);
}

function blockBetween(
  kind: SpineBlock['kind'],
  name: string,
  id: number,
  lower: Endplate,
  upper: Endplate,
  shape: BlockShape,
): Omit<SpineBlock, 'sLow' | 'sHigh'> {
  const meanTilt = (lower.tiltRad + upper.tiltRad) / 2;
  const dy = upper.centerY - lower.centerY;
  const dz = upper.centerZ - lower.centerZ;
  return {
    kind,
    name,
    id,
    lower,
    upper,
    centerY: (lower.centerY + upper.centerY) / 2,
    centerZ: (lower.centerZ + upper.centerZ) / 2,
    normalY: -Math.sin(meanTilt),
    normalZ: Math.cos(meanTilt),
    posteriorY: Math.cos(meanTilt),
    posteriorZ: Math.sin(meanTilt),
    heightMm: Math.hypot(dy, dz),
    semiDepth: shape.semiDepth,
    posteriorDepthRatio,
    semiWidth: shape.semiWidth,
    degeneration: shape.degeneration,
    posteriorBulgeMm: 0,
  };
}

/**
 * Returns one plate object per boundary, shared by the blocks on either side, so that bodies and discs
 * partition the column exactly. A plate that touches a disc gets the concavity, shaped by the disc outline.
 */
function sharePlates(blocks: readonly Omit<SpineBlock, 'sLow' | 'sHigh'>[]): Endplate[] {
  const plates: Endplate[] = [blocks[0]!.lower, ...blocks.map((block) => block.upper)];
  return plates.map((plate, k) => {
    const below = blocks[k - 1];
    const above = blocks[k];
    let disc: Omit<SpineBlock, 'sLow' | 'sHigh'> | undefined;
    if (below?.kind === 'disc') disc = below;
    if (above?.kind === 'disc') disc = above;
    if (disc === undefined) return plate;
    return {
      ...plate,
      concavityMm: endplateConcavityMm,
      concavitySign: disc === above ? 1 : -1,
      concavitySemiDepth: disc.semiDepth * 0.85,
      concavitySemiWidth: disc.semiWidth * 0.85,
    };
  });
}

function translateBlock<T extends Omit<SpineBlock, 'sLow' | 'sHigh'>>(block: T, dy: number, dz: number): T {
  const move = (plate: Endplate): Endplate => ({ ...plate, centerY: plate.centerY + dy, centerZ: plate.centerZ + dz });
  return { ...block, lower: move(block.lower), upper: move(block.upper), centerY: block.centerY + dy, centerZ: block.centerZ + dz };
}

/**
 * Builds the centreline through the endplate centres, extended below S1 along a sacrum that curves
 * forward (its tilt falls from the S1-S2 junction to -20° at the tip) and 60 mm straight above T10.
 */
function buildCenterline(blocks: readonly Omit<SpineBlock, 'sLow' | 'sHigh'>[], s1LowerTilt: number): Centerline {
  const points: Array<[number, number]> = [];
  const s1Lower = blocks[0]!.lower;
  const sacral: Array<[number, number]> = [];
  let y = s1Lower.centerY;
  let z = s1Lower.centerZ;
  const endTilt = -20 * degToRad;
  for (let t = 1; t <= sacrumLengthMm; t++) {
    const tilt = s1LowerTilt + (endTilt - s1LowerTilt) * (t / sacrumLengthMm);
    y += Math.sin(tilt);
    z -= Math.cos(tilt);
    sacral.push([y, z]);
  }
  points.push(...sacral.reverse());
  points.push([s1Lower.centerY, s1Lower.centerZ]);
  for (const block of blocks) points.push([block.upper.centerY, block.upper.centerZ]);
  const top = blocks[blocks.length - 1]!.upper;
  for (let t = 10; t <= 60; t += 10) points.push([top.centerY + t * top.normalY, top.centerZ + t * top.normalZ]);

  return centerlineThrough(points, centerlineStep);
}

function buildProfiles(
  line: Centerline,
  frames: readonly VertebraFrame[],
  blocks: readonly SpineBlock[],
  sS2Top: number,
  sSacEnd: number,
  stenosisDisc: SpineBlock | undefined,
  severity: number,
): CenterlineProfiles {
  const n = line.y.length;
  const semiDepth = new Float64Array(n);
  const semiWidth = new Float64Array(n);
  const sacCenter = new Float64Array(n);
  const sacSemiDepth = new Float64Array(n);
  const sacSemiWidth = new Float64Array(n);
  const sacNominalSemiDepth = new Float64Array(n);
  const sacNominalSemiWidth = new Float64Array(n);
  const cordRadius = new Float64Array(n);
  // Frames run cranial to caudal; interpolate between body centres, ordered by s.
  const ordered = [...frames].sort((a, b) => a.s - b.s);
  const conusBlock = blocks.find((b) => b.kind === 'disc' && b.name === 'L1-L2');
  const sConus = conusBlock === undefined ? 0 : (conusBlock.sLow + conusBlock.sHigh) / 2;
  const sStenosis = stenosisDisc === undefined ? Number.NaN : (stenosisDisc.sLow + stenosisDisc.sHigh) / 2;

  for (let i = 0; i < n; i++) {
    const s = i * line.step;
    let depth: number;
    let width: number;
    if (s < sS2Top) {
      // Below the S1 body the sacrum tapers towards the coccyx.
      const t = Math.min(Math.max((sS2Top - s) / sacrumLengthMm, 0), 1);
      depth = ordered[0]!.semiDepth * (1 - 0.7 * t);
      width = 40 * (1 - 0.75 * t);
    } else {
      const k = ordered.findIndex((f) => f.s > s);
      if (k === -1) {
        depth = ordered[ordered.length - 1]!.semiDepth;
        width = ordered[ordered.length - 1]!.semiWidth;
      } else if (k === 0) {
        depth = ordered[0]!.semiDepth;
        width = ordered[0]!.semiWidth;
      } else {
        const a = ordered[k - 1]!;
        const b = ordered[k]!;
        const t = (s - a.s) / (b.s - a.s);
        depth = a.semiDepth + (b.semiDepth - a.semiDepth) * t;
        width = a.semiWidth + (b.semiWidth - a.semiWidth) * t;
      }
    }
    semiDepth[i] = depth;
    semiWidth[i] = width;

    // The lumbar sac is about 15 mm deep and 21 mm wide; it narrows in the sacrum and ends at S2.
    const sacralTaper = s < sS2Top + 20 ? Math.max(0, (s - sSacEnd) / (sS2Top + 20 - sSacEnd)) : 1;
    const nominalDepth = 7.5 * Math.sqrt(sacralTaper);
    const nominalWidth = 10.5 * Math.sqrt(sacralTaper);
    sacNominalSemiDepth[i] = nominalDepth;
    sacNominalSemiWidth[i] = nominalWidth;
    sacCenter[i] = depth * posteriorDepthRatio + ventralEpiduralGapMm + 7.5;
    const narrowing = Number.isNaN(sStenosis) ? 0 : severity * Math.exp(-(((s - sStenosis) / 5) ** 2));
    sacSemiDepth[i] = nominalDepth * (1 - narrowing);
    sacSemiWidth[i] = nominalWidth * (1 - 0.3 * narrowing);

    // The cord ends in the conus medullaris at the L1-L2 disc, tapering over its last 15 mm.
    cordRadius[i] = s >= sConus ? 4.5 * Math.min(1, (s - sConus) / 15) : 0;
  }
  return { semiDepth, semiWidth, sacCenter, sacSemiDepth, sacSemiWidth, sacNominalSemiDepth, sacNominalSemiWidth, cordRadius };
}

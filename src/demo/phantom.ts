import type { Vec3 } from '../geometry/affine.js';
import { makeVolume, type Volume } from '../geometry/volume.js';
import { buildSpineModel, type PhantomDiscLevel, type PhantomOptions, type SpineModel } from './anatomy.js';
import { GaussianStream, hashInts } from './random.js';
import { TissueSampler, type TissueSample } from './tissue.js';

/** Disc heights measured along the disc normal (mm). */
export interface DiscHeights {
  /** At 70 % of the way from the disc centre to its anterior margin. */
  readonly anteriorMm: number;
  /** Through the disc centre. */
  readonly middleMm: number;
  /** At 70 % of the way from the disc centre to its posterior margin. */
  readonly posteriorMm: number;
}

/** Ground truth of one disc of the phantom. All vectors are LPS, positions in mm. */
export interface DiscTruth {
  readonly level: PhantomDiscLevel;
  /** VerSe id: 100 + id of the vertebra above, e.g. 123 for L4-L5. */
  readonly id: number;
  /** Midpoint of the two endplate centres, on the mid-sagittal plane; inside the disc label. */
  readonly center: Vec3;
  /** Unit normal of the disc mid-plane, pointing cranially. */
  readonly normal: Vec3;
  /** Unit vector in the disc mid-plane pointing posteriorly. */
  readonly posterior: Vec3;
  readonly heights: DiscHeights;
  /** Posterior minus anterior endplate tilt across the disc (degrees); positive when the front is taller. */
  readonly wedgeDeg: number;
  readonly degeneration: number;
  readonly heightFactor: number;
  /** Antero-posterior diameter of the CSF-filled dural sac at the disc centre (mm). */
  readonly canalDiameterMm: number;
}

/** Ground truth of one vertebral body (S1 for the sacrum). */
export interface VertebraTruth {
  readonly name: string;
  readonly id: number;
  /** Midpoint of the two endplate centres, LPS mm. */
  readonly center: Vec3;
}

/** A seeded lumbar spine phantom in patient space (LPS mm). */
export interface Phantom {
  readonly model: SpineModel;
  /** Every modelled disc, cranial to caudal (T10-T11 to L5-S1). */
  readonly discs: readonly DiscTruth[];
  /** Every modelled vertebral body, cranial to caudal (T10 to S1). */
  readonly vertebrae: readonly VertebraTruth[];
  /** Writes the noise-free signal (before bias) and the VerSe label at (x, y, z) into `out`. */
  sample(x: number, y: number, z: number, out: TissueSample): void;
  /** Returns the multiplicative bias field at (x, y, z). */
  bias(x: number, y: number, z: number): number;
}

/** Semantic classes of the label maps, the same as the real training data. */
export const semanticClasses = { background: 0, vertebralBody: 1, disc: 2 } as const;

/** Returns the semantic class (0, 1 or 2) of a VerSe id: discs are 100 and above. */
export function semanticClassOf(id: number): number {
  if (id === 0) return semanticClasses.background;
  return id >= 100 ? semanticClasses.disc : semanticClasses.vertebralBody;
}

/** Builds the phantom and measures its ground truth. @throws RangeError on invalid options. */
export function createPhantom(options: PhantomOptions = {}): Phantom {
  const model = buildSpineModel(options);
  const sampler = new TissueSampler(model);
  const sample = (x: number, y: number, z: number, out: TissueSample): void => sampler.sample(x, y, z, out);
  const vertebrae = model.blocks
    .filter((block) => block.kind === 'body')
    .map((block) => ({ name: block.name, id: block.id, center: [0, block.centerY, block.centerZ] as Vec3 }))
    .reverse();
  const discs = model.blocks
    .filter((block) => block.kind === 'disc')
    .map((block): DiscTruth => {
      const center: Vec3 = [0, block.centerY, block.centerZ];
      const normal: Vec3 = [0, block.normalY, block.normalZ];
      const posterior: Vec3 = [0, block.posteriorY, block.posteriorZ];
      const measure = (offset: number): number => measureExtent(sampler, block.id, center, posterior, normal, offset);
      const index = Math.round((block.sLow + block.sHigh) / 2 / model.centerline.step);
      return {
        level: block.name as PhantomDiscLevel,
        id: block.id,
        center,
        normal,
        posterior,
        heights: {
          anteriorMm: measure(-0.7 * block.semiDepth),
          middleMm: measure(0),
          posteriorMm: measure(0.7 * block.semiDepth * block.posteriorDepthRatio),
        },
        wedgeDeg: ((block.lower.tiltRad - block.upper.tiltRad) * 180) / Math.PI,
        degeneration: block.degeneration,
        heightFactor: model.options.discs?.[block.name as PhantomDiscLevel]?.heightFactor ?? 1,
        canalDiameterMm: 2 * model.profiles.sacSemiDepth[index]!,
      };
    })
    .reverse();
  return { model, discs, vertebrae, sample, bias: (x, y, z) => sampler.bias(x, y, z) };
}

/**
 * Returns the length (mm) of the run of voxels labelled `id` along `normal` through the point
 * `center + offset * posterior`, found by stepping 0.1 mm and bisecting each end to 0.005 mm.
 */
function measureExtent(sampler: TissueSampler, id: number, center: Vec3, posterior: Vec3, normal: Vec3, offset: number): number {
  const origin: Vec3 = [center[0] + offset * posterior[0], center[1] + offset * posterior[1], center[2] + offset * posterior[2]];
  const out: TissueSample = { value: 0, label: 0 };
  const inside = (t: number): boolean => {
    sampler.sample(origin[0] + t * normal[0], origin[1] + t * normal[1], origin[2] + t * normal[2], out);
    return out.label === id;
  };
  if (!inside(0)) return 0;
  const edge = (direction: 1 | -1): number => {
    let t = 0;
    while (t < 40 && inside(direction * (t + 0.1))) t += 0.1;
    let lo = t;
    let hi = t + 0.1;
    while (hi - lo > 0.005) {
      const mid = (lo + hi) / 2;
      if (inside(direction * mid)) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  return edge(1) + edge(-1);
}

/** Grid of a sampled sagittal volume; defaults cover the demo study's sagittal field of view. */
export interface PhantomVolumeOptions {
  /** Isotropic voxel size in mm. Default 1. */
  spacingMm?: number;
  /** Extent (antero-posterior, superior-inferior, left-right) in mm. Default [300, 300, 64]. */
  fieldOfViewMm?: readonly [number, number, number];
  /** LPS centre of the grid. Default: the demo study's sagittal series centre. */
  center?: Vec3;
  /** Add the bias field and Rician noise, as in the DICOM images. Default true. */
  realistic?: boolean;
}

/** A sampled phantom: the image and two label maps on one grid. */
export interface PhantomVolumes {
  /** Signal in image units (CSF about 1000). */
  readonly image: Volume<Float32Array>;
  /** Semantic classes: 0 background, 1 vertebral body, 2 disc. */
  readonly labels: Volume<Uint8Array>;
  /** VerSe ids: 17 T10 … 24 L5, 26 S1 body; discs 100 + the id above. */
  readonly instances: Volume<Uint16Array>;
}

/** Returns the LPS centre of the demo study's sagittal series: midline, 20 mm in front of L3, top edge through T11. */
export function sagittalCenter(phantom: Phantom, fieldOfViewSiMm = 300): Vec3 {
  const l3 = phantom.vertebrae.find((v) => v.name === 'L3')!;
  const t11 = phantom.vertebrae.find((v) => v.name === 'T11')!;
  return [0, l3.center[1] - 20, t11.center[2] - fieldOfViewSiMm / 2];
}

/**
 * Samples the phantom on a grid laid out like a sagittal DICOM series read into a Volume. Index i runs
 * anterior to posterior (+y), j superior to inferior (-z) and k from the patient's left to right (-x,
 * the series normal). Image values and labels are point samples at the voxel centres.
 * @throws RangeError when the spacing or field of view is not positive.
 */
export function samplePhantomVolumes(phantom: Phantom, options: PhantomVolumeOptions = {}): PhantomVolumes {
  const spacingMm = options.spacingMm ?? 1;
  const fov = options.fieldOfViewMm ?? [300, 300, 64];
  if (!(spacingMm > 0)) throw new RangeError(`spacingMm must be positive, got ${spacingMm}`);
  if (!fov.every((extent) => extent > 0)) throw new RangeError(`fieldOfViewMm must be positive, got ${fov.join(', ')}`);
  const center = options.center ?? sagittalCenter(phantom);
  const realistic = options.realistic ?? true;
  const size = [Math.round(fov[0] / spacingMm), Math.round(fov[1] / spacingMm), Math.round(fov[2] / spacingMm)] as const;
  const origin: Vec3 = [
    center[0] + ((size[2] - 1) / 2) * spacingMm,
    center[1] - ((size[0] - 1) / 2) * spacingMm,
    center[2] + ((size[1] - 1) / 2) * spacingMm,
  ];
  const affine = [0, 0, -spacingMm, origin[0], spacingMm, 0, 0, origin[1], 0, -spacingMm, 0, origin[2], 0, 0, 0, 1];

  const count = size[0] * size[1] * size[2];
  const image = new Float32Array(count);
  const labels = new Uint8Array(count);
  const instances = new Uint16Array(count);
  const out: TissueSample = { value: 0, label: 0 };
  const sigma = phantom.model.options.noiseSigma;
  const noise = new GaussianStream(hashInts(phantom.model.options.seed, 0x766f6c));

  for (let k = 0; k < size[2]; k++) {
    const x = origin[0] - k * spacingMm;
    for (let j = 0; j < size[1]; j++) {
      const z = origin[2] - j * spacingMm;
      for (let i = 0; i < size[0]; i++) {
        const y = origin[1] + i * spacingMm;
        phantom.sample(x, y, z, out);
        const index = i + size[0] * (j + size[1] * k);
        image[index] = realistic ? addRicianNoise(out.value * phantom.bias(x, y, z), sigma, noise) : out.value;
        instances[index] = out.label;
        labels[index] = semanticClassOf(out.label);
      }
    }
  }

  return {
    image: makeVolume(size, affine, image),
    labels: makeVolume(size, affine, labels),
    instances: makeVolume(size, affine, instances),
  };
}

/** Returns the magnitude of `signal` plus complex Gaussian noise, as in a magnitude MR image. */
export function addRicianNoise(signal: number, sigma: number, noise: GaussianStream): number {
  if (sigma === 0) return signal;
  const real = signal + sigma * noise.next();
  const imaginary = sigma * noise.next();
  return Math.sqrt(real * real + imaginary * imaginary);
}

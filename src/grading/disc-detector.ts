import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { csvField } from '../crops/write.js';
import { writeNpyFloat32 } from '../crops/npy.js';
import { normalize, posteriorInPlane, scale, subtract, type Vec3 } from '../geometry/affine.js';
import { indexToPatient } from '../geometry/volume.js';
import { DeepspineError } from '../errors.js';
import type { Logger } from '../log.js';
import { applyIntensityWindow, computeIntensityWindow, extractPlane, padPlane, resamplePlane, type Plane } from '../segmentation/preprocess.js';
import type { PlaneDisc } from './plane-discs.js';
import { dropOffChain, type SliceDiscFinder } from './slice-discs.js';
import { loadSliceImage, readGradings, readSliceTable, type SliceImage } from './slices-folder.js';

/** Pixel spacing in mm of the planes that the disc detector receives. */
export const detectorSpacingMm = 1.25;

/** Plane sizes are padded to a multiple of this for the detector's three stride-2 stages. */
export const detectorSizeMultiple = 16;

/** Heatmap peaks below this value are not discs. */
export const detectorPeakThreshold = 0.3;

/** Two peaks closer than this in mm are one disc, because lumbar discs are over 25 mm apart. */
const peakSeparationMm = 15;

export const defaultDiscDetectorPath = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'models', 'grading', 'disc-detector.onnx');

/** A slice resampled and normalised for the disc detector. */
export interface DetectorPlane {
  /** Normalised intensities at 1.25 mm, padded at the bottom and right with 0. */
  readonly plane: Plane;
  /** Size of the resampled plane before padding. */
  readonly width: number;
  readonly height: number;
  /** PNG pixels per detector pixel along columns and rows. */
  readonly scale: readonly [number, number];
}

/**
 * Prepares a slice exactly as the segmentation network's input is prepared: intensity window from
 * the slice's percentiles, bilinear resampling to 1.25 mm, padding to a multiple of 16.
 */
export function prepareDetectorPlane(image: SliceImage): DetectorPlane {
  const native = extractPlane(image.volume, 0);
  const resampled = resamplePlane(native, detectorSpacingMm, 'linear');
  applyIntensityWindow(resampled.data, computeIntensityWindow(image.volume.data));
  const padded = padPlane(resampled, detectorSizeMultiple, 0);
  return {
    plane: padded,
    width: resampled.width,
    height: resampled.height,
    scale: [detectorSpacingMm / image.spacing.columnMm, detectorSpacingMm / image.spacing.rowMm],
  };
}

/**
 * Finds local maxima of a heatmap above `threshold`, strongest first, keeping only peaks at least
 * `minDistance` pixels from a stronger one. Returns [column, row, value] with sub-pixel centres
 * from the 3 x 3 centre of mass.
 */
export function heatmapPeaks(heatmap: Float32Array, width: number, height: number, threshold: number, minDistance: number): [number, number, number][] {
  const candidates: [number, number, number][] = [];
  for (let r = 1; r < height - 1; r++) {
    for (let c = 1; c < width - 1; c++) {
      const v = heatmap[r * width + c]!;
      if (v < threshold) continue;
      let isMax = true;
      for (let dr = -1; dr <= 1 && isMax; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          if ((dr !== 0 || dc !== 0) && heatmap[(r + dr) * width + c + dc]! > v) {
            isMax = false;
            break;
          }
        }
      }
      if (!isMax) continue;
      let sum = 0;
      let sc = 0;
      let sr = 0;
      for (let dr = -1; dr <= 1; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          const w = Math.max(0, heatmap[(r + dr) * width + c + dc]!);
          sum += w;
          sc += w * (c + dc);
          sr += w * (r + dr);
        }
      }
      candidates.push([sc / sum, sr / sum, v]);
    }
  }
  candidates.sort((a, b) => b[2] - a[2]);
  const kept: [number, number, number][] = [];
  for (const p of candidates) {
    if (kept.every((q) => Math.hypot(p[0] - q[0], p[1] - q[1]) >= minDistance)) kept.push(p);
  }
  return kept;
}

/** Unit vector in the sagittal plane perpendicular to `axis`, on the posterior (+y) side. */
/**
 * Turns disc centres (LPS, cranial to caudal) into discs whose normal follows the spine: along the
 * line from the disc above to the disc below, or to the single neighbour at either end.
 */
export function discsFromCentres(centres: readonly { center: Vec3; pixel: readonly [number, number]; score: number }[]): PlaneDisc[] {
  return centres.map((entry, index) => {
    const above = centres[Math.max(0, index - 1)]!.center;
    const below = centres[Math.min(centres.length - 1, index + 1)]!.center;
    const downward = centres.length > 1 ? normalize(subtract(below, above)) : ([0, 0, -1] as Vec3);
    const normal = scale(downward, -1);
    return { center: entry.center, normal, posterior: posteriorInPlane(downward), pixel: entry.pixel, areaMm2: 0, depthMm: 0, heightMm: 0, meanProbability: entry.score };
  });
}

/** Neighbouring peaks closer than this fraction of the median neighbour distance are one disc. */
const duplicateFraction = 0.6;

/**
 * Keeps the stronger of two neighbouring peaks (cranial to caudal order) that are closer than 0.6
 * times the median neighbour distance. A long, tilted disc such as L5-S1 can give two peaks that
 * lie farther apart along its plane than the peak separation.
 */
export function mergeClosePeaks<T extends { center: Vec3; score: number }>(peaks: readonly T[]): T[] {
  let kept = [...peaks];
  while (kept.length >= 3) {
    const distances = kept.slice(1).map((p, i) => Math.hypot(...subtract(p.center, kept[i]!.center)));
    const sorted = [...distances].sort((a, b) => a - b);
    const medianDistance = sorted[Math.floor(sorted.length / 2)]!;
    let closest = -1;
    distances.forEach((d, i) => {
      if (d < duplicateFraction * medianDistance && (closest < 0 || d < distances[closest]!)) closest = i;
    });
    if (closest < 0) break;
    const weaker = kept[closest]!.score < kept[closest + 1]!.score ? closest : closest + 1;
    kept = kept.filter((_, index) => index !== weaker);
  }
  return kept;
}

/** A neighbour distance above this multiple of the median contains missed discs, which are interpolated. */
const gapFactor = 1.6;

interface Peak {
  readonly center: Vec3;
  readonly pixel: readonly [number, number];
  readonly score: number;
}

function medianNeighbourDistance(peaks: readonly Peak[]): number {
  const distances = peaks.slice(1).map((p, i) => Math.hypot(...subtract(p.center, peaks[i]!.center))).sort((a, b) => a - b);
  return distances[Math.floor(distances.length / 2)]!;
}

/**
 * Inserts evenly spaced discs (score 0) where neighbouring peaks, cranial to caudal, are more than
 * 1.6 median distances apart, because the detector missed a disc there. Needs three peaks.
 */
export function fillGaps(peaks: readonly Peak[], image: SliceImage): Peak[] {
  if (peaks.length < 3) return [...peaks];
  const spacing = medianNeighbourDistance(peaks);
  const filled: Peak[] = [peaks[0]!];
  for (let i = 1; i < peaks.length; i++) {
    const upper = peaks[i - 1]!;
    const lower = peaks[i]!;
    const distance = Math.hypot(...subtract(lower.center, upper.center));
    if (distance > gapFactor * spacing) {
      const missing = Math.max(1, Math.round(distance / spacing) - 1);
      for (let m = 1; m <= missing; m++) {
        const t = m / (missing + 1);
        const pixel = [upper.pixel[0] * (1 - t) + lower.pixel[0] * t, upper.pixel[1] * (1 - t) + lower.pixel[1] * t] as const;
        filled.push({ center: indexToPatient(image.volume, [pixel[0], pixel[1], 0]), pixel, score: 0 });
      }
    }
    filled.push(lower);
  }
  return filled;
}

/** A caudal step between neighbouring discs tilted more than this from straight down enters the sacrum. */
const maxStepTiltRadians = (55 * Math.PI) / 180;

/**
 * Cuts the chain (cranial to caudal) at the first step that turns more than 55 degrees away from
 * straight down. Below L5-S1 the sacrum bends backwards, and the fused sacral segments can look
 * like discs to the detector. Lumbar steps stay within about 40 degrees of vertical.
 */
export function cutAtSacrum<T extends { center: Vec3 }>(peaks: readonly T[]): T[] {
  for (let i = 1; i < peaks.length; i++) {
    const step = subtract(peaks[i]!.center, peaks[i - 1]!.center);
    const tilt = Math.acos(Math.min(1, -step[2] / Math.hypot(...step)));
    if (tilt > maxStepTiltRadians) return peaks.slice(0, i);
  }
  return [...peaks];
}

/** The disc detector network in onnxruntime-node: one plane in, one disc-centre heatmap out. */
export class DiscDetector {
  private constructor(private readonly session: ort.InferenceSession) {}

  /** @throws DeepspineError MODEL_FAILED naming the file when it is missing or invalid. */
  static async load(path: string = defaultDiscDetectorPath, threads = 0): Promise<DiscDetector> {
    if (!existsSync(path)) throw new DeepspineError('MODEL_FAILED', `${path}: disc detector model not found; reinstall deepspine or pass the model path`, { file: path });
    try {
      return new DiscDetector(await ort.InferenceSession.create(path, threads > 0 ? { intraOpNumThreads: threads } : {}));
    } catch (error) {
      throw new DeepspineError('MODEL_FAILED', `${path}: onnxruntime cannot load the disc detector (${String(error)})`, { file: path, cause: error });
    }
  }

  /** Returns the heatmap (same padded size as the plane) of disc-centre likelihood in [0, 1]. */
  async heatmap(plane: Plane): Promise<Float32Array> {
    const input = new ort.Tensor('float32', plane.data, [1, 1, plane.height, plane.width]);
    const outputs = await this.session.run({ [this.session.inputNames[0]!]: input });
    return outputs[this.session.outputNames[0]!]!.data as Float32Array;
  }
}

/**
 * Disc finder built on the disc detector: heatmap peaks are disc centres, detections off the spine
 * curve are dropped and each disc's normal follows the line through its neighbours.
 */
export function detectorDiscFinder(detector: DiscDetector, threshold = detectorPeakThreshold): SliceDiscFinder {
  return {
    name: 'detector',
    async find(image: SliceImage): Promise<PlaneDisc[]> {
      const prepared = prepareDetectorPlane(image);
      const heatmap = await detector.heatmap(prepared.plane);
      const peaks = heatmapPeaks(heatmap, prepared.plane.width, prepared.plane.height, threshold, peakSeparationMm / detectorSpacingMm).filter(
        ([c, r]) => c < prepared.width && r < prepared.height,
      );
      const centres = peaks
        .map(([c, r, score]) => {
          const pixel = [c * prepared.scale[0], r * prepared.scale[1]] as const;
          return { center: indexToPatient(image.volume, [pixel[0], pixel[1], 0]), pixel, score };
        })
        .sort((p, q) => q.center[2] - p.center[2]);
      return discsFromCentres(fillGaps(cutAtSacrum(dropOffChain(mergeClosePeaks(centres))), image));
    },
  };
}

/** Summary of an `exportDiscDetectionData` run. */
export interface DetectionDataSummary {
  readonly series: number;
  readonly discs: number;
}

/**
 * Writes disc-detector training data from a slices folder. Every series whose disc count from
 * `finder` equals its graded count becomes a detector plane, prepared as `prepareDetectorPlane`
 * does and stored as `planes/<series>.npy` (float32, shape (height, width)). `detection.csv` lists
 * series, patient, sequence, plane path, width, height and the disc centres in plane pixels, as
 * "column row" pairs joined by ";".
 */
export async function exportDiscDetectionData(dir: string, outDir: string, finder: SliceDiscFinder, logger: Logger): Promise<DetectionDataSummary> {
  const entries = await readSliceTable(dir);
  const gradings = await readGradings(dir);
  if (gradings === null) throw new DeepspineError('INPUT_NOT_FOUND', `${join(dir, 'radiological_gradings.csv')} not found; detector data need graded disc counts`, { file: dir });
  await mkdir(join(outDir, 'planes'), { recursive: true });
  const lines = ['series,patient,sequence,plane_path,width,height,centres'];
  let discs = 0;
  for (const entry of entries) {
    const graded = gradings.get(entry.patient)?.size;
    let image: SliceImage;
    try {
      image = await loadSliceImage(dir, entry);
    } catch (error) {
      if (!(error instanceof DeepspineError)) throw error;
      logger.warn(`series ${entry.series} skipped: ${error.message}`);
      continue;
    }
    const found = await finder.find(image);
    if (found.length !== graded) continue;
    const prepared = prepareDetectorPlane(image);
    const planePath = `planes/${entry.series.replace(/[^A-Za-z0-9._-]/g, '_')}.npy`;
    await writeNpyFloat32(join(outDir, planePath), prepared.plane.data, [prepared.plane.height, prepared.plane.width]);
    const centres = found.map((d) => `${(d.pixel[0] / prepared.scale[0]).toFixed(2)} ${(d.pixel[1] / prepared.scale[1]).toFixed(2)}`).join(';');
    lines.push([entry.series, entry.patient, entry.sequence, planePath, String(prepared.plane.width), String(prepared.plane.height), centres].map(csvField).join(','));
    discs += found.length;
  }
  await writeFile(join(outDir, 'detection.csv'), lines.join('\n') + '\n');
  logger.info(`disc detector data: ${lines.length - 1} series, ${discs} discs in ${outDir}`);
  return { series: lines.length - 1, discs };
}

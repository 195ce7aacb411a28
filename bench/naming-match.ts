/**
 * Names the discs of a changed copy of a volume and matches them by voxel position to those named
 * on the volume as stored, for the benches that change a volume's header or voxels.
 */
import { patientToIndex, type Volume } from '../src/geometry/volume.js';
import { findStudyLevels } from '../src/levels/study-levels.js';
import type { SegmentationModel } from '../src/segmentation/model.js';
import { segmentSagittalVolume } from '../src/segmentation/segment.js';

/** Largest distance in mm between a disc and its match named on the volume as stored. */
const matchToleranceMm = 12;

export interface IndexedDisc {
  readonly name: string;
  readonly confidence: number;
  /** Position in voxel indices of the volume as stored, which no change of the copy moves. */
  readonly index: readonly number[];
}

/**
 * Segments and names `image` as `analyze` does. `toStoredIndex` maps a voxel index of `image` to
 * one of the volume as stored (a cut shifts it, a coarser grid scales it).
 */
export async function nameDiscs(model: SegmentationModel, image: Volume, toStoredIndex: (index: readonly number[]) => readonly number[]): Promise<{ discs: IndexedDisc[]; warnings: string[] }> {
  const segmentation = await segmentSagittalVolume(image, model);
  const { levels } = findStudyLevels(segmentation, image, 'bench', model.bodyIntensity);
  return {
    discs: levels.allDiscs.map((d) => ({ name: d.name, confidence: d.confidence, index: toStoredIndex(patientToIndex(image, d.center)) })),
    warnings: [...new Set(levels.warnings.map((w) => w.code))],
  };
}

/** Returns the message of an error without the source path that DeepspineError messages start with. */
export function failureReason(error: unknown): string {
  return error instanceof Error ? error.message.split(': ').slice(1).join(': ') : String(error);
}

/**
 * Segments and names a volume as stored, the reference of a bench's copies. When it has no levels,
 * prints one line that starts with `label` and gives the reason, and returns null.
 */
export async function nameReference(model: SegmentationModel, stored: Volume, label: string): Promise<{ discs: IndexedDisc[]; warnings: string[] } | null> {
  try {
    return await nameDiscs(model, stored, (index) => index);
  } catch (error) {
    console.log(`${label} no levels: ${failureReason(error)}`);
    return null;
  }
}

/** Counts the discs whose name differs from that of the nearest reference disc within the tolerance, and those of them at confidence 0.5 or more. */
export function countDiffering(reference: readonly IndexedDisc[], discs: readonly IndexedDisc[], voxelMm: readonly number[]): { differ: number; differConfident: number } {
  let differ = 0;
  let differConfident = 0;
  for (const disc of discs) {
    const distances = reference.map((other) => Math.hypot(...other.index.map((value, i) => (value - disc.index[i]!) * voxelMm[i]!)));
    const nearest = distances.indexOf(Math.min(...distances));
    if (nearest < 0 || distances[nearest]! > matchToleranceMm || reference[nearest]!.name === disc.name) continue;
    differ++;
    if (disc.confidence >= 0.5) differConfident++;
  }
  return { differ, differConfident };
}

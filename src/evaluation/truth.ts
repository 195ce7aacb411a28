import { applyAffine, type Vec3 } from '../geometry/affine.js';
import type { Volume } from '../geometry/volume.js';

/** A labelled structure of known identity in an instance map. */
export interface TruthStructure {
  readonly id: number;
  readonly name: string;
  readonly kind: 'vertebra' | 'disc';
  /** Centroid in LPS mm. */
  readonly center: Vec3;
}

/** Vertebra names of the VerSe instance numbering used by the labelled volumes. */
const verseVertebrae: Record<number, string> = {
  1: 'C1', 2: 'C2', 3: 'C3', 4: 'C4', 5: 'C5', 6: 'C6', 7: 'C7',
  8: 'T1', 9: 'T2', 10: 'T3', 11: 'T4', 12: 'T5', 13: 'T6', 14: 'T7', 15: 'T8', 16: 'T9', 17: 'T10', 18: 'T11', 19: 'T12',
  20: 'L1', 21: 'L2', 22: 'L3', 23: 'L4', 24: 'L5', 25: 'L6', 26: 'S1',
};

/**
 * Names an instance id: 1-26 are vertebrae (VerSe numbering, 26 the sacrum, named S1 after its
 * top segment), 100 + v the disc below vertebra v. Ids of unknown identity (1001 and up) return null.
 */
export function nameInstance(id: number): { name: string; kind: 'vertebra' | 'disc' } | null {
  if (verseVertebrae[id] !== undefined) return { name: verseVertebrae[id], kind: 'vertebra' };
  if (id > 100 && id < 127 && verseVertebrae[id - 100] !== undefined) {
    const upper = id - 100;
    const lower = upper === 24 ? 26 : upper + 1;
    return { name: `${verseVertebrae[upper]}-${verseVertebrae[lower]}`, kind: 'disc' };
  }
  return null;
}

/** Computes the centroid of every named instance of an instance map. */
export function truthStructures(instances: Volume): TruthStructure[] {
  const [nx, ny] = instances.size;
  const sums = new Map<number, [number, number, number, number]>();
  const data = instances.data;
  for (let index = 0; index < data.length; index++) {
    const id = data[index]!;
    if (id === 0) continue;
    let entry = sums.get(id);
    if (entry === undefined) {
      entry = [0, 0, 0, 0];
      sums.set(id, entry);
    }
    entry[0] += index % nx;
    entry[1] += Math.floor(index / nx) % ny;
    entry[2] += Math.floor(index / (nx * ny));
    entry[3] += 1;
  }
  const result: TruthStructure[] = [];
  for (const [id, [si, sj, sk, count]] of [...sums.entries()].sort((a, b) => a[0] - b[0])) {
    const named = nameInstance(id);
    if (named === null) continue;
    result.push({ id, ...named, center: applyAffine(instances.affine, [si / count, sj / count, sk / count]) });
  }
  return result;
}

/**
 * Measures level naming on copies of each labelled volume whose voxels were changed while the
 * anatomy stayed. One copy per gamma curve on the intensities (max * (v / max) ^ gamma), which
 * brightens dark tissue below 1 and darkens it above. One copy on an in-plane grid twice as coarse
 * (2 x 2 voxel means), as from a scanner with larger pixels. One copy per ramp: the intensities are
 * multiplied by a factor that grows linearly from 1 at the head end of the image to the ramp's value
 * at the feet end, as under a surface coil placed low. One copy per in-plane rotation: the voxels
 * are turned about the centre of each sagittal plane while the header stays, as in a patient who
 * lies tilted. Each copy is segmented and named as
 * `analyze` does, and its discs are matched by voxel position to those named on the volume as
 * stored. The figure that matters is the number of names that differ at confidence 0.5 or more,
 * because names under 0.5 are marked as possibly shifted.
 * Usage: node dist/bench/image-changes.js VOLUMES_DIR [--model PATH] [--cases A,B] [--gammas 0.5,0.7,1.5,2]
 *        [--ramps 3] [--rotations 12,-12]
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Mat4 } from '../src/geometry/affine.js';
import { nearestVoxelAxis } from '../src/geometry/crop.js';
import { makeVolume, sampleLinear, spacing, type Volume } from '../src/geometry/volume.js';
import { readVolumeFile } from '../src/input/volume-file.js';
import { defaultSegmentationModelPath, loadSegmentationModel } from '../src/segmentation/model.js';
import { countDiffering, failureReason, nameDiscs, nameReference } from './naming-match.js';
import { numberList } from './options.js';

const usage = 'usage: node dist/bench/image-changes.js VOLUMES_DIR [--model PATH] [--cases A,B] [--gammas 0.5,0.7,1.5,2] [--ramps 3] [--rotations 12,-12]\n';
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { model: { type: 'string' }, cases: { type: 'string' }, gammas: { type: 'string' }, ramps: { type: 'string' }, rotations: { type: 'string' } },
});
const volumesDir = positionals[0];
if (volumesDir === undefined) {
  process.stderr.write(usage);
  process.exit(2);
}
const gammas = numberList('gammas', values.gammas ?? '0.5,0.7,1.5,2', 0.01, 10, usage);
const ramps = numberList('ramps', values.ramps ?? '3', 0.1, 10, usage);
const rotations = numberList('rotations', values.rotations ?? '12,-12', -90, 90, usage);
const model = await loadSegmentationModel(values.model ?? defaultSegmentationModelPath);
const cases = (values.cases?.split(',') ?? readdirSync(volumesDir).sort()).filter((name) => existsSync(join(volumesDir, name, 'labels.nii.gz')));

function withGamma(volume: Volume, gamma: number): Volume {
  let max = 0;
  for (const value of volume.data) max = Math.max(max, value);
  return makeVolume(volume.size, volume.affine, Float32Array.from(volume.data, (value) => max * Math.pow(value / max, gamma)));
}

/** Multiplies the intensities by a factor from 1 on the most superior plane to `ramp` on the most inferior. */
function withRamp(volume: Volume, ramp: number): Volume {
  const axis = nearestVoxelAxis(volume, 2);
  const count = volume.size[axis]!;
  // LPS z points to the head, so the index runs towards the feet when the axis's z component is negative.
  const towardsFeet = volume.affine[8 + axis]! < 0;
  const [nx, ny] = volume.size;
  const data = Float32Array.from(volume.data, (value, index) => {
    const voxel = [index % nx, Math.floor(index / nx) % ny, Math.floor(index / (nx * ny))];
    const position = count > 1 ? voxel[axis]! / (count - 1) : 0;
    return value * (1 + (ramp - 1) * (towardsFeet ? position : 1 - position));
  });
  return makeVolume(volume.size, volume.affine, data);
}

/**
 * Turns the voxels of every sagittal plane by `degrees` about the plane's centre, in mm, and keeps
 * the header, so the anatomy lies tilted in the grid. Voxels turned in from outside get the image
 * minimum, as scanner fill does. Returns the map from a voxel index of the copy to the stored one.
 */
function rotatedInPlane(volume: Volume, degrees: number): { image: Volume; toStored: (index: readonly number[]) => number[] } {
  const normal = nearestVoxelAxis(volume, 0);
  const [first, second] = [0, 1, 2].filter((axis) => axis !== normal) as [number, number];
  const mm = spacing(volume);
  const centre = volume.size.map((n) => (n - 1) / 2);
  const cos = Math.cos((degrees * Math.PI) / 180);
  const sin = Math.sin((degrees * Math.PI) / 180);
  const toStored = (index: readonly number[]): number[] => {
    const u = (index[first]! - centre[first]!) * mm[first]!;
    const v = (index[second]! - centre[second]!) * mm[second]!;
    const stored = [...index];
    stored[first] = centre[first]! + (cos * u - sin * v) / mm[first]!;
    stored[second] = centre[second]! + (sin * u + cos * v) / mm[second]!;
    return stored;
  };
  let min = Infinity;
  for (const value of volume.data) min = Math.min(min, value);
  const [nx, ny, nz] = volume.size;
  const data = new Float32Array(volume.data.length);
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const [si, sj, sk] = toStored([i, j, k]) as [number, number, number];
        data[i + nx * (j + ny * k)] = sampleLinear(volume, si, sj, sk, min);
      }
    }
  }
  return { image: makeVolume(volume.size, volume.affine, data), toStored };
}

/** Returns the volume on a grid twice as coarse along the two in-plane axes, each voxel the mean of the 2 x 2 it covers. */
function coarserInPlane(volume: Volume): { image: Volume; factors: number[] } {
  // The voxel axis that runs most nearly left to right is the normal of the sagittal planes.
  const normal = nearestVoxelAxis(volume, 0);
  const factors = [0, 1, 2].map((axis) => (axis === normal ? 1 : 2));
  const size = volume.size.map((n, axis) => Math.floor(n / factors[axis]!)) as [number, number, number];
  const [nx, ny] = volume.size;
  const data = new Float32Array(size[0] * size[1] * size[2]);
  for (let k = 0; k < size[2]; k++) {
    for (let j = 0; j < size[1]; j++) {
      for (let i = 0; i < size[0]; i++) {
        let sum = 0;
        let count = 0;
        for (let dk = 0; dk < factors[2]!; dk++) {
          for (let dj = 0; dj < factors[1]!; dj++) {
            for (let di = 0; di < factors[0]!; di++) {
              sum += volume.data[i * factors[0]! + di + nx * (j * factors[1]! + dj + ny * (k * factors[2]! + dk))]!;
              count++;
            }
          }
        }
        data[i + size[0] * (j + size[1] * k)] = sum / count;
      }
    }
  }
  // A coarse voxel's centre lies half a fine voxel past the centre of its first fine voxel.
  const affine = [...volume.affine];
  for (let row = 0; row < 3; row++) {
    for (let axis = 0; axis < 3; axis++) {
      affine[row * 4 + 3] = affine[row * 4 + 3]! + ((factors[axis]! - 1) / 2) * volume.affine[row * 4 + axis]!;
    }
    for (let axis = 0; axis < 3; axis++) affine[row * 4 + axis] = volume.affine[row * 4 + axis]! * factors[axis]!;
  }
  return { image: makeVolume(size, affine as Mat4, data), factors };
}

const totals = { runs: 0, failed: 0, names: 0, differ: 0, differConfident: 0 };
console.log(`${'case'.padEnd(10)} ${'change'.padEnd(10)} ${'names'.padStart(5)} ${'differ'.padStart(6)} ${'differ, >=0.5'.padStart(13)}  warnings`);
for (const name of cases) {
  const stored = await readVolumeFile(join(volumesDir, name, 'image.nii.gz'));
  const voxelMm = spacing(stored);
  const reference = await nameReference(model, stored, `${name.padEnd(10)} stored    `);
  if (reference === null) continue;
  const coarse = coarserInPlane(stored);
  const unchanged = (index: readonly number[]): readonly number[] => index;
  // A coarse voxel index i covers the stored indices factor * i to factor * i + factor - 1.
  const fromCoarse = (index: readonly number[]): number[] => index.map((value, axis) => value * coarse.factors[axis]! + (coarse.factors[axis]! - 1) / 2);
  const changes = [
    ...gammas.map((gamma) => ({ change: `gamma${gamma}`, image: withGamma(stored, gamma), toStored: unchanged })),
    { change: 'coarse2', image: coarse.image, toStored: fromCoarse },
    ...ramps.map((ramp) => ({ change: `ramp${ramp}`, image: withRamp(stored, ramp), toStored: unchanged })),
    ...rotations.map((degrees) => ({ change: `rot${degrees}`, ...rotatedInPlane(stored, degrees) })),
  ];
  for (const { change, image, toStored } of changes) {
    totals.runs++;
    const label = `${name.padEnd(10)} ${change.padEnd(10)}`;
    let named: Awaited<ReturnType<typeof nameDiscs>>;
    try {
      named = await nameDiscs(model, image, toStored);
    } catch (error) {
      totals.failed++;
      console.log(`${label} no levels: ${failureReason(error)}`);
      continue;
    }
    const { differ, differConfident } = countDiffering(reference.discs, named.discs, voxelMm);
    totals.names += named.discs.length;
    totals.differ += differ;
    totals.differConfident += differConfident;
    console.log(`${label} ${String(named.discs.length).padStart(5)} ${String(differ).padStart(6)} ${String(differConfident).padStart(13)}  ${named.warnings.join(', ')}`);
  }
}
console.log(
  `total: ${totals.runs} runs (${totals.failed} without levels), ${totals.names} names, ${totals.differ} differ from the names of the volume as stored, ` +
    `${totals.differConfident} of them at confidence 0.5 or more`,
);

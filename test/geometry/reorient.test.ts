import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findAxisMapping, invertAxisMapping, reorientVolume, toSagittalLayout } from '../../src/geometry/reorient.js';
import { indexToPatient, makeVolume, voxelAt } from '../../src/geometry/volume.js';

// A 4 x 3 x 2 grid whose axes run superior->inferior (i), anterior->posterior (j) and
// left->right (k): the layout of the labelled NIfTI volumes, with anisotropic spacing.
const ipr = [
  0, 0, -2, 33,
  0, 1.5, 0, -110,
  -1, 0, 0, 110,
  0, 0, 0, 1,
];

function ramp(size: [number, number, number]): Float32Array {
  return Float32Array.from({ length: size[0] * size[1] * size[2] }, (_, index) => index);
}

describe('reorientVolume', () => {
  it('maps an IPR grid to the sagittal layout', () => {
    const volume = makeVolume([4, 3, 2], ipr, ramp([4, 3, 2]));
    const { volume: sagittal, mapping } = toSagittalLayout(volume);
    assert.deepEqual(mapping.sourceAxis, [1, 0, 2]);
    assert.deepEqual(sagittal.size, [3, 4, 2]);
    // i posterior (+y), j inferior (-z), k left (+x) in LPS.
    assert.ok(sagittal.affine[4]! > 0);
    assert.ok(sagittal.affine[9]! < 0);
    assert.ok(sagittal.affine[2]! > 0);
  });

  it('keeps every voxel at its patient position', () => {
    const volume = makeVolume([4, 3, 2], ipr, ramp([4, 3, 2]));
    const { volume: sagittal } = toSagittalLayout(volume);
    for (let k = 0; k < 2; k++) {
      for (let j = 0; j < 4; j++) {
        for (let i = 0; i < 3; i++) {
          const point = indexToPatient(sagittal, [i, j, k]);
          const value = voxelAt(sagittal, i, j, k);
          const sourceIndex = value;
          const si = sourceIndex % 4;
          const sj = Math.floor(sourceIndex / 4) % 3;
          const sk = Math.floor(sourceIndex / 12);
          const expected = indexToPatient(volume, [si, sj, sk]);
          for (let axis = 0; axis < 3; axis++) assert.ok(Math.abs(point[axis]! - expected[axis]!) < 1e-9, `voxel ${i},${j},${k} axis ${axis}`);
        }
      }
    }
  });

  it('round-trips through the inverse mapping', () => {
    const volume = makeVolume([4, 3, 2], ipr, ramp([4, 3, 2]));
    const { volume: sagittal, mapping } = toSagittalLayout(volume);
    const back = reorientVolume(sagittal, invertAxisMapping(mapping));
    assert.deepEqual(back.size, volume.size);
    assert.deepEqual(Array.from(back.data), Array.from(volume.data));
    back.affine.forEach((value, index) => assert.ok(Math.abs(value - volume.affine[index]!) < 1e-9, `affine[${index}]`));
  });

  it('leaves a sagittal DICOM-like grid unchanged', () => {
    // Columns towards posterior, rows towards inferior, slices towards the patient's left.
    const affine = [0, 0, 4, -30, 0.8, 0, 0, -100, 0, -0.8, 0, 120, 0, 0, 0, 1];
    const mapping = findAxisMapping(affine);
    assert.deepEqual(mapping.sourceAxis, [0, 1, 2]);
    assert.deepEqual(mapping.flip, [false, false, false]);
  });
});

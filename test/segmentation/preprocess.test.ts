import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeVolume } from '../../src/geometry/volume.js';
import { contextOffsetMm } from '../../src/segmentation/classes.js';
import {
  applyIntensityWindow,
  computeIntensityWindow,
  extractPlaneAt,
  networkInputPlanes,
  padPlane,
  resamplePlane,
  resampleTo,
  type Plane,
} from '../../src/segmentation/preprocess.js';

function linearPlane(width: number, height: number, spacing: [number, number]): Plane {
  // Value = x position in mm, so any linear resampling must reproduce positions exactly.
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = x * spacing[0];
  return { data, width, height, spacing };
}

describe('resamplePlane', () => {
  it('keeps the physical extent', () => {
    const plane = linearPlane(200, 100, [0.5, 1]);
    const out = resamplePlane(plane, 1.25, 'linear');
    assert.equal(out.width, 80);
    assert.equal(out.height, 80);
  });

  it('samples linear ramps exactly', () => {
    const plane = linearPlane(200, 100, [0.5, 1]);
    const out = resamplePlane(plane, 1.25, 'linear');
    for (const x of [0, 10, 40, 79]) {
      const expected = Math.min(x * 1.25, 199 * 0.5);
      assert.ok(Math.abs(out.data[5 * out.width + x]! - expected) < 1e-4, `pixel ${x}: ${out.data[5 * out.width + x]} vs ${expected}`);
    }
  });

  it('round-trips back to the source grid', () => {
    const plane = linearPlane(120, 60, [1, 1]);
    const down = resamplePlane(plane, 1.25, 'linear');
    const back = resampleTo(down, 120, 60, [1, 1], 'linear');
    for (const x of [0, 30, 90, 110]) assert.ok(Math.abs(back.data[10 * 120 + x]! - x) < 1e-3, `pixel ${x}`);
  });

  it('keeps label values with nearest neighbour', () => {
    const data = new Float32Array(100).map((_, index) => (index % 10 < 5 ? 1 : 2));
    const out = resamplePlane({ data, width: 10, height: 10, spacing: [1, 1] }, 0.5, 'nearest');
    assert.deepEqual([...new Set(out.data)].sort(), [1, 2]);
  });
});

describe('intensity window', () => {
  it('maps percentiles to 0 and 1', () => {
    const values = Float32Array.from({ length: 10001 }, (_, index) => index);
    const window = computeIntensityWindow(values);
    assert.equal(window.low, 100);
    assert.equal(window.high, 9950);
    const mapped = applyIntensityWindow(Float32Array.from([100, 9950, -1e6, 1e6]), window);
    assert.ok(Math.abs(mapped[0]!) < 1e-6);
    assert.ok(Math.abs(mapped[1]! - 1) < 1e-6);
    assert.equal(mapped[2], -0.5);
    assert.equal(mapped[3], 2);
  });

  it('rejects an empty image', () => {
    assert.throws(() => computeIntensityWindow(new Float32Array(0)), /empty image/);
  });
});

describe('padPlane', () => {
  it('pads to a multiple with the fill value', () => {
    const padded = padPlane(linearPlane(17, 33, [1, 1]), 16, -7);
    assert.equal(padded.width, 32);
    assert.equal(padded.height, 48);
    assert.equal(padded.data[31], -7);
    assert.equal(padded.data[32 * 47], -7);
    assert.equal(padded.data[5], 5);
  });
});

/** A sagittal-layout volume of 4 x 3 pixels per plane whose every voxel holds its plane index times 10. */
function planeIndexVolume(planes: number, planeSpacingMm: number) {
  const data = new Float32Array(4 * 3 * planes);
  for (let k = 0; k < planes; k++) data.fill(k * 10, k * 12, (k + 1) * 12);
  const affine = [1.25, 0, 0, 0, 0, 1.25, 0, 0, 0, 0, planeSpacingMm, 0, 0, 0, 0, 1];
  return makeVolume([4, 3, planes], affine, data);
}

describe('extractPlaneAt', () => {
  it('interpolates between the two nearest planes', () => {
    const plane = extractPlaneAt(planeIndexVolume(5, 1), 2.25);
    assert.ok(plane.data.every((value) => Math.abs(value - 22.5) < 1e-5));
  });

  it('takes the outermost plane beyond either end', () => {
    const volume = planeIndexVolume(5, 1);
    assert.equal(extractPlaneAt(volume, -3).data[0], 0);
    assert.equal(extractPlaneAt(volume, 7.5).data[0], 40);
    assert.equal(extractPlaneAt(volume, 4).data[0], 40);
  });
});

describe('networkInputPlanes', () => {
  const window = { low: 0, high: 100 };

  it('gives one plane for a one-channel model', () => {
    const planes = networkInputPlanes(planeIndexVolume(9, 1), 4, window, 1);
    assert.equal(planes.length, 1);
    assert.ok(Math.abs(planes[0]!.data[0]! - 0.4) < 1e-6);
  });

  it('places neighbours contextOffsetMm to each side', () => {
    // 2 mm slices: the neighbours are contextOffsetMm / 2 planes away.
    const planes = networkInputPlanes(planeIndexVolume(9, 2), 4, window, 3);
    const step = contextOffsetMm / 2;
    assert.deepEqual(planes.map((p) => Number(p.data[0]!.toFixed(4))), [(4 - step) / 10, 0.4, (4 + step) / 10]);
    // Resampled to the model spacing like the plane itself.
    assert.ok(planes.every((p) => p.width === 4 && p.height === 3 && p.spacing[0] === 1.25));
  });

  it('interpolates neighbours between thick slices', () => {
    // 5 mm slices: a neighbour 4 mm away lies 0.8 of the way to the next slice.
    const planes = networkInputPlanes(planeIndexVolume(9, 5), 4, window, 3);
    const fraction = contextOffsetMm / 5;
    assert.ok(Math.abs(planes[0]!.data[0]! - (4 - fraction) / 10) < 1e-5);
    assert.ok(Math.abs(planes[2]!.data[0]! - (4 + fraction) / 10) < 1e-5);
  });
});

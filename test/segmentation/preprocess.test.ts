import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeepspineError } from '../../src/errors.js';
import {
  applyIntensityWindow,
  computeIntensityWindow,
  maxResampledPlaneSide,
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

describe('resamplePlane size guard', () => {
  it('rejects a grid wider than the limit before allocating it', () => {
    // 221 pixels of 1000 mm (a NIfTI header in metres) would be 176800 pixels of 1.25 mm per side.
    const plane: Plane = { data: new Float32Array(221 * 221), width: 221, height: 221, spacing: [1000, 1000] };

    assert.throws(
      () => resamplePlane(plane, 1.25, 'linear'),
      (error: unknown) => {
        assert.ok(error instanceof DeepspineError);
        assert.equal(error.code, 'UNREADABLE_INPUT');
        assert.equal(
          error.message,
          'a plane of 221 x 221 pixels of 1000 x 1000 mm would resample to 176800 x 176800 pixels of 1.25 mm, over the 4096 pixels per side allowed; ' +
            'the voxel spacing is probably in the wrong unit or scale, so check the image header',
        );
        return true;
      },
    );
  });

  it('rejects one side over the limit', () => {
    const plane: Plane = { data: new Float32Array(2), width: 1, height: 2, spacing: [maxResampledPlaneSide + 1, 1] };

    assert.throws(() => resamplePlane(plane, 1, 'nearest'), DeepspineError);
  });

  it('accepts a side at the limit', () => {
    const plane: Plane = { data: new Float32Array(2), width: 1, height: 2, spacing: [maxResampledPlaneSide, 1] };

    const out = resamplePlane(plane, 1, 'nearest');

    assert.equal(out.width, maxResampledPlaneSide);
    assert.equal(out.height, 2);
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

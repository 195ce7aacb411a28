import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeepspineError } from '../../src/errors.js';
import { makeVolume } from '../../src/geometry/volume.js';
import {
  defaultSegmentationModelPath,
  loadSegmentationModel,
  packageRoot,
  readSegmentationModelInfo,
  segmentationModelFormat,
  type SegmentationModel,
} from '../../src/segmentation/model.js';
import { segmentSagittalVolume, smoothAcrossPlanes } from '../../src/segmentation/segment.js';

describe('segmentation model sidecar', () => {
  let folder = '';
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'deepspine-sidecar-'));
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  async function modelWithSidecar(name: string, sidecar: string | null): Promise<string> {
    const onnx = join(folder, `${name}.onnx`);
    await copyFile(defaultSegmentationModelPath, onnx);
    if (sidecar !== null) await writeFile(join(folder, `${name}.json`), sidecar);
    return onnx;
  }

  it('loads spacing from the sidecar', async () => {
    const onnx = await modelWithSidecar('fine', JSON.stringify({ format: segmentationModelFormat, spacingMm: 0.8 }));
    const model = await loadSegmentationModel(onnx, 1);
    try {
      assert.equal(model.spacingMm, 0.8);
      // A sidecar written before the range was recorded loads, and the contrast check is skipped.
      assert.equal(model.bodyIntensity, null);
    } finally {
      await model.release();
    }
  });

  it('loads the body intensity range from the sidecar', async () => {
    const range = { min: 0.07, max: 0.24, cases: 3, values: [0.07, 0.2, 0.24] };
    const onnx = await modelWithSidecar('ranged', JSON.stringify({ format: segmentationModelFormat, spacingMm: 1.25, bodyIntensity: range }));
    const model = await loadSegmentationModel(onnx, 1);
    try {
      assert.deepEqual(model.bodyIntensity, range);
    } finally {
      await model.release();
    }
  });

  it('names a missing or invalid sidecar', async () => {
    const cases: [string, string | null, RegExp][] = [
      ['missing', null, /missing\.json: sidecar of the segmentation model not found/],
      ['garbled', '{ not json', /garbled\.json: invalid segmentation model sidecar/],
      ['other', JSON.stringify({ format: 'deepspine-grading-model/1', spacingMm: 1 }), /other\.json: expected format deepspine-segmentation-model\/1/],
      ['zero', JSON.stringify({ format: segmentationModelFormat, spacingMm: 0 }), /zero\.json: spacingMm must lie between 0\.25 and 4 mm, got 0/],
      ['tiny', JSON.stringify({ format: segmentationModelFormat, spacingMm: 0.001 }), /tiny\.json: spacingMm must lie between/],
      ['huge', JSON.stringify({ format: segmentationModelFormat, spacingMm: 50 }), /huge\.json: spacingMm must lie between/],
      ['text', JSON.stringify({ format: segmentationModelFormat, spacingMm: '1.25' }), /text\.json: spacingMm must be a number of mm, got "1\.25"/],
      ['null', 'null', /null\.json: the segmentation model sidecar must be a JSON object, got null/],
      ['list', '[1.25]', /list\.json: the segmentation model sidecar must be a JSON object/],
      ['range-list', JSON.stringify({ format: segmentationModelFormat, spacingMm: 1.25, bodyIntensity: [0.1, 0.2] }), /range-list\.json: bodyIntensity must be an object \{ min, max, cases, values \}, got \[0\.1,0\.2\]/],
      ['range-old', JSON.stringify({ format: segmentationModelFormat, spacingMm: 1.25, bodyIntensity: { min: 0.1, max: 0.2, cases: 2 } }), /range-old\.json: bodyIntensity needs values, a list of numbers between -0\.5 and 2/],
      ['range-text', JSON.stringify({ format: segmentationModelFormat, spacingMm: 1.25, bodyIntensity: { min: 0.1, max: 0.2, cases: 2, values: [0.1, '0.2'] } }), /range-text\.json: bodyIntensity needs values, a list of numbers/],
      ['range-wide', JSON.stringify({ format: segmentationModelFormat, spacingMm: 1.25, bodyIntensity: { min: 0.1, max: 3, cases: 2, values: [0.1, 3] } }), /range-wide\.json: bodyIntensity needs values, a list of numbers between -0\.5 and 2/],
      ['range-order', JSON.stringify({ format: segmentationModelFormat, spacingMm: 1.25, bodyIntensity: { min: 0.1, max: 0.2, cases: 2, values: [0.2, 0.1] } }), /range-order\.json: bodyIntensity needs values in ascending order/],
      ['range-cases', JSON.stringify({ format: segmentationModelFormat, spacingMm: 1.25, bodyIntensity: { min: 0.1, max: 0.2, cases: 3, values: [0.1, 0.2] } }), /range-cases\.json: bodyIntensity needs cases equal to the number of values \(2\)/],
      ['range-ends', JSON.stringify({ format: segmentationModelFormat, spacingMm: 1.25, bodyIntensity: { min: 0.05, max: 0.2, cases: 2, values: [0.1, 0.2] } }), /range-ends\.json: bodyIntensity needs min and max equal to the first and last of values/],
      ['range-null', JSON.stringify({ format: segmentationModelFormat, spacingMm: 1.25, bodyIntensity: null }), /range-null\.json: bodyIntensity must be an object/],
    ];
    for (const [name, sidecar, message] of cases) {
      const onnx = await modelWithSidecar(name, sidecar);
      await assert.rejects(loadSegmentationModel(onnx, 1), (error: unknown) => {
        assert.ok(error instanceof DeepspineError);
        assert.equal(error.code, 'MODEL_FAILED');
        assert.equal(error.file, join(folder, `${name}.json`));
        assert.match(error.message, message);
        return true;
      });
    }
  });

  it('names a sidecar passed as the model', async () => {
    await assert.rejects(loadSegmentationModel(join(folder, 'fine.json'), 1), /fine\.json: this is a sidecar; pass the \.onnx model file beside it/);
  });

  it('names a missing model file given by path', async () => {
    await assert.rejects(loadSegmentationModel(join(folder, 'nowhere.onnx'), 1), /nowhere\.onnx: segmentation model not found; check the --model path/);
  });

  it('reads upper-case .ONNX sidecar with BOM', async () => {
    const onnx = join(folder, 'upper.v2.ONNX');
    await copyFile(defaultSegmentationModelPath, onnx);
    await writeFile(join(folder, 'upper.v2.json'), '\uFEFF' + JSON.stringify({ format: segmentationModelFormat, spacingMm: 1.5 }));
    assert.equal((await readSegmentationModelInfo(onnx)).spacingMm, 1.5);
  });

  it('rejects another kind of model', async () => {
    const onnx = join(folder, 'grading-as-segmentation.onnx');
    await copyFile(join(packageRoot, 'models', 'grading', 'grading.onnx'), onnx);
    await writeFile(join(folder, 'grading-as-segmentation.json'), JSON.stringify({ format: segmentationModelFormat, spacingMm: 1.25 }));
    await assert.rejects(loadSegmentationModel(onnx, 1), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.code, 'MODEL_FAILED');
      assert.match(error.message, /grading-as-segmentation\.onnx: a segmentation model has one input/);
      return true;
    });
  });

  it('shipped model has a sidecar', async () => {
    const info = await readSegmentationModelInfo(defaultSegmentationModelPath);
    assert.equal(info.format, segmentationModelFormat);
    assert.ok(info.spacingMm >= 0.5, `spacing ${info.spacingMm} mm`);
    assert.ok(info.spacingMm <= 2, `spacing ${info.spacingMm} mm`);
    // Its 13 body-labelled training cases: 12 T1, T2 and TIRM (0.07 to 0.24) and one water-fat (0.54).
    assert.equal(info.bodyIntensity?.cases, 13);
    assert.equal(info.bodyIntensity?.values.filter((value) => value >= 0.067 && value <= 0.239).length, 12);
    assert.equal(info.bodyIntensity?.max, 0.539);
  });
});

describe('segmentSagittalVolume', () => {
  it('resamples planes to model spacing', async () => {
    // 90 x 60 pixels of 1 mm per sagittal plane, 3 planes. Row index j runs caudally.
    const size = [90, 60, 3] as const;
    const affine = [0, 0, -1, 0, 1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 1];
    const data = new Float32Array(90 * 60 * 3).map((_, index) => index % 7);
    const seen: number[][] = [];
    // A stand-in network: the body channel is 1 in the left half of the plane it receives.
    const model: SegmentationModel = {
      path: 'stand-in',
      spacingMm: 2,
      bodyIntensity: null,
      async run(_batch, count, height, width) {
        seen.push([count, height, width]);
        const out = new Float32Array(count * 2 * height * width);
        for (let n = 0; n < count; n++) {
          for (let y = 0; y < height; y++) for (let x = 0; x < width / 2; x++) out[(n * 2) * height * width + y * width + x] = 1;
        }
        return out;
      },
      release: async () => {},
    };
    const result = await segmentSagittalVolume(makeVolume(size, affine, data), model);
    // 90 x 60 mm at 2 mm is 45 x 30 pixels, padded to multiples of 16.
    assert.deepEqual(seen, [[3, 32, 48]]);
    // The network's left half (24 of 48 pixels of 2 mm) covers the first 47 mm of the plane.
    const row = 30 * 90;
    assert.equal(result.labels.data[row + 10], 1);
    assert.equal(result.labels.data[row + 45], 1);
    assert.equal(result.labels.data[row + 60], 0);
  });
});

describe('segmentSagittalVolume across planes', () => {
  // A stand-in network that marks the whole of the middle plane of three as vertebral body.
  const middlePlaneModel: SegmentationModel = {
    path: 'stand-in',
    spacingMm: 1,
    bodyIntensity: null,
    async run(_batch, count, height, width) {
      const out = new Float32Array(count * 2 * height * width);
      out.fill(1, 2 * height * width, 3 * height * width);
      return out;
    },
    release: async () => {},
  };
  const planeValues = async (planeSpacingMm: number): Promise<number[]> => {
    const affine = [0, 0, -planeSpacingMm, 0, 1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 1];
    const result = await segmentSagittalVolume(makeVolume([32, 32, 3], affine, new Float32Array(32 * 32 * 3).fill(1)), middlePlaneModel);
    return [0, 1, 2].map((k) => result.vertebraProbability.data[k * 32 * 32 + 16 * 32 + 16]!);
  };

  it('smooths planes 1 mm apart', async () => {
    const [first, middle, last] = await planeValues(1);
    assert.ok(first! > 0.2, `first plane ${first}`);
    assert.ok(first! < 0.4, `first plane ${first}`);
    assert.ok(middle! > 0.3, `middle plane ${middle}`);
    assert.ok(middle! < 0.5, `middle plane ${middle}`);
    assert.ok(Math.abs(first! - last!) < 1e-6);
  });

  it('leaves 4 mm slices unsmoothed', async () => {
    assert.deepEqual(await planeValues(4), [0, 1, 0]);
  });
});

describe('smoothAcrossPlanes', () => {
  it('spreads one plane by Gaussian weights', () => {
    // Five planes of two pixels, and only the middle plane is 1. With sigma 1 the kernel reaches 3 planes.
    const data = new Float32Array(10);
    data.set([1, 1], 4);
    smoothAcrossPlanes(data, 2, 5, 1);
    const weight = (d: number) => (Math.abs(d) <= 3 ? Math.exp(-(d * d) / 2) : 0);
    for (let k = 0; k < 5; k++) {
      let total = 0;
      for (let other = 0; other < 5; other++) total += weight(other - k);
      const expected = weight(2 - k) / total;
      assert.ok(Math.abs(data[2 * k]! - expected) < 1e-6, `plane ${k}: ${data[2 * k]} vs ${expected}`);
      assert.equal(data[2 * k + 1], data[2 * k]);
    }
    // The middle plane keeps 0.40 of its value, its neighbours get 0.26 each.
    assert.ok(Math.abs(data[4]! - 0.403) < 0.001, `middle plane ${data[4]}`);
    assert.ok(Math.abs(data[2]! - 0.257) < 0.001, `neighbour ${data[2]}`);
  });

  it('keeps a constant stack constant', () => {
    const data = new Float32Array(4 * 6).fill(0.7);
    smoothAcrossPlanes(data, 4, 6, 1.5);
    for (const value of data) assert.ok(Math.abs(value - 0.7) < 1e-6, `value ${value}`);
  });

  it('ignores zero sigma and one plane', () => {
    const data = Float32Array.from([0, 1, 0, 1]);
    smoothAcrossPlanes(data, 1, 4, 0);
    assert.deepEqual([...data], [0, 1, 0, 1]);
    smoothAcrossPlanes(data, 4, 1, 2);
    assert.deepEqual([...data], [0, 1, 0, 1]);
  });
});

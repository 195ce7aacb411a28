import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultCropSpec, type DiscCrops } from '../../src/crops/extract.js';
import { DeepspineError } from '../../src/errors.js';
import { GradingModel, compareWithReference, defaultGradingModelPath } from '../../src/grading/model.js';
import { repoRoot } from '../shared-data.js';

const shippedModel = existsSync(defaultGradingModelPath) ? false : `shipped grading model not found at ${defaultGradingModelPath}`;
const parityDir = join(repoRoot, 'models', 'grading', 'parity');

test('shipped model matches its PyTorch reference', { skip: shippedModel }, async () => {
  const model = await GradingModel.load();
  const report = await compareWithReference(model, parityDir);
  assert.equal(Object.keys(report.maxAbsDifference).length, model.info.heads.length);
  for (const [name, difference] of Object.entries(report.maxAbsDifference)) {
    assert.ok(difference < 1e-4, `${name}: onnxruntime-node differs from PyTorch by ${difference}`);
  }
});

test('shipped model sidecar marks heads without labels', { skip: shippedModel }, async () => {
  const model = await GradingModel.load();
  const trained = Object.fromEntries(model.info.heads.map((h) => [h.name, h.trained]));
  for (const name of ['spinal_canal_stenosis', 'left_foraminal_stenosis', 'right_foraminal_stenosis', 'disc_osteophyte_complex', 'left_facet_arthropathy', 'right_facet_arthropathy', 'ligamentum_flavum_thickening', 'epidural_lipomatosis']) {
    assert.equal(trained[name], false, name);
  }
  for (const name of ['disc_bulge', 'pfirrmann_grade', 'disc_narrowing']) assert.equal(trained[name], true, name);
  assert.deepEqual(model.info.cropSpec.sagittal, defaultCropSpec.sagittal);
});

test('grade ignores axial crops of an untrained axial branch', { skip: shippedModel }, async () => {
  const model = await GradingModel.load();
  const { sagittal, axial } = model.info.cropSpec;
  const crop = (size: [number, number, number], fill: number) => ({
    size,
    affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
    data: new Float32Array(size[0] * size[1] * size[2]).fill(fill),
    window: { low: 0, high: 1 },
    coverage: 1,
    sourcePlanes: size[2],
  });
  const level = { level: 'L4-L5', center: [0, 0, 0] as const, normal: [0, 0, 1] as const, posterior: [0, 1, 0] as const, confidence: 1, measurements: null };
  const disc: DiscCrops = { level, sagittal: crop([sagittal.width, sagittal.height, sagittal.slices], 0.5), axial: crop([axial.width, axial.height, axial.slices], 0.7), axialMissingReason: null };
  const [withAxial, withoutAxial] = await model.grade([disc, { ...disc, axial: null, axialMissingReason: 'none' }]);
  assert.ok(withAxial);
  assert.ok(withoutAxial);
  assert.equal(withAxial.usedAxial, model.info.axialBranchTrained);
  if (!model.info.axialBranchTrained) assert.deepEqual(withAxial.probabilities, withoutAxial.probabilities);
  const pfirrmann = withAxial.probabilities['pfirrmann_grade']!;
  assert.equal(pfirrmann.length, 5);
  assert.ok(Math.abs(pfirrmann.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  await assert.rejects(model.grade([{ ...disc, sagittal: crop([10, 10, 1], 0) }]), /model expects 5x64x96/);
});

test('GradingModel.load reports a missing file', async () => {
  await assert.rejects(GradingModel.load('/nonexistent/grading.onnx'), (error: unknown) => {
    assert.ok(error instanceof DeepspineError);
    assert.equal(error.code, 'MODEL_FAILED');
    assert.match(error.message, /grading model file not found/);
    return true;
  });
});

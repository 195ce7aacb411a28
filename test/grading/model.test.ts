import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCropSpec, type Crop, type DiscCrops } from '../../src/crops/extract.js';
import { DeepspineError } from '../../src/errors.js';
import { GradingModel, axialBranchNotTrainedReason, compareWithReference, defaultGradingModelPath } from '../../src/grading/model.js';
import { repoRoot } from '../shared-data.js';

const shippedModel = existsSync(defaultGradingModelPath) ? false : `shipped grading model not found at ${defaultGradingModelPath}`;
const parityDir = join(repoRoot, 'models', 'grading', 'parity');

function uniformCrop(size: [number, number, number], fill: number): Crop {
  return {
    size,
    affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
    data: new Float32Array(size[0] * size[1] * size[2]).fill(fill),
    window: { low: 0, high: 1 },
    coverage: 1,
    middleSliceCoverage: 1,
    sourcePlanes: size[2],
  };
}

/** Builds an L4-L5 disc with uniform sagittal and axial crops of the sizes that `model` expects. */
function discWithAxial(model: GradingModel): DiscCrops {
  const { sagittal, axial } = model.info.cropSpec;
  const level = { level: 'L4-L5', center: [0, 0, 0] as const, normal: [0, 0, 1] as const, posterior: [0, 1, 0] as const, confidence: 1, measurements: null };
  return {
    level,
    sagittal: uniformCrop([sagittal.width, sagittal.height, sagittal.slices], 0.5),
    axial: uniformCrop([axial.width, axial.height, axial.slices], 0.7),
    axialMissingReason: null,
  };
}

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
  const disc = discWithAxial(model);
  const [withAxial, withoutAxial] = await model.grade([disc, { ...disc, axial: null, axialMissingReason: 'none' }]);
  assert.ok(withAxial);
  assert.ok(withoutAxial);
  assert.equal(withAxial.usedAxial, model.info.axialBranchTrained);
  assert.equal(withoutAxial.usedAxial, false);
  assert.equal(withoutAxial.axialMissingReason, 'none');
  if (!model.info.axialBranchTrained) assert.deepEqual(withAxial.probabilities, withoutAxial.probabilities);
  const pfirrmann = withAxial.probabilities['pfirrmann_grade']!;
  assert.equal(pfirrmann.length, 5);
  assert.ok(Math.abs(pfirrmann.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  await assert.rejects(model.grade([{ ...disc, sagittal: uniformCrop([10, 10, 1], 0) }]), /model expects 5x64x96/);
});

test('grade gives a reason whenever axial is unused', { skip: shippedModel }, async () => {
  // The shipped graph with the sidecar claiming a trained axial branch, so that axial crops are fed.
  const folder = mkdtempSync(join(tmpdir(), 'deepspine-grading-axial-'));
  try {
    const sidecar = JSON.parse(readFileSync(defaultGradingModelPath.replace(/\.onnx$/, '.json'), 'utf8')) as Record<string, unknown>;
    copyFileSync(defaultGradingModelPath, join(folder, 'grading.onnx'));
    writeFileSync(join(folder, 'grading.json'), JSON.stringify({ ...sidecar, axialBranchTrained: true }));
    const models = { untrained: await GradingModel.load(), trained: await GradingModel.load(join(folder, 'grading.onnx')) };
    assert.equal(models.untrained.info.axialBranchTrained, false);
    const disc = discWithAxial(models.untrained);
    const cases = [
      { model: 'untrained', crops: disc, usedAxial: false, reason: axialBranchNotTrainedReason },
      { model: 'untrained', crops: { ...disc, axial: null, axialMissingReason: 'the study has no axial series' }, usedAxial: false, reason: 'the study has no axial series' },
      { model: 'trained', crops: disc, usedAxial: true, reason: null },
      { model: 'trained', crops: { ...disc, axial: null, axialMissingReason: 'the study has no axial series' }, usedAxial: false, reason: 'the study has no axial series' },
      { model: 'trained', crops: { ...disc, axial: null, axialMissingReason: null }, usedAxial: false, reason: 'no axial crop was given' },
    ] as const;
    for (const { model, crops, usedAxial, reason } of cases) {
      const [grade] = await models[model].grade([crops]);
      const name = `${model} axial branch, axial crop ${crops.axial === null ? 'absent' : 'present'}`;
      assert.equal(grade?.usedAxial, usedAxial, name);
      assert.equal(grade?.axialMissingReason, reason, name);
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('GradingModel.load reports a missing file', async () => {
  await assert.rejects(GradingModel.load('/nonexistent/grading.onnx'), (error: unknown) => {
    assert.ok(error instanceof DeepspineError);
    assert.equal(error.code, 'MODEL_FAILED');
    assert.match(error.message, /grading model file not found/);
    return true;
  });
});

/** Copies the shipped model beside a sidecar changed by `edit`, and returns the load error's message. */
async function loadErrorWithSidecar(edit: (sidecar: Record<string, unknown>) => void): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'deepspine-grading-sidecar-'));
  try {
    copyFileSync(defaultGradingModelPath, join(dir, 'grading.onnx'));
    const sidecar = JSON.parse(readFileSync(defaultGradingModelPath.replace(/\.onnx$/, '.json'), 'utf8')) as Record<string, unknown>;
    edit(sidecar);
    writeFileSync(join(dir, 'grading.json'), JSON.stringify(sidecar));
    const error = await GradingModel.load(join(dir, 'grading.onnx')).then(
      () => null,
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof DeepspineError, `loaded, or failed otherwise: ${String(error)}`);
    assert.equal(error.code, 'MODEL_FAILED');
    return error.message;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('sidecar without heads is rejected', { skip: shippedModel }, async () => {
  const message = await loadErrorWithSidecar((sidecar) => delete sidecar['heads']);
  assert.match(message, /grading\.json: invalid grading model sidecar: "heads" must be a non-empty list/);
});

test('sidecar with a missing class is rejected', { skip: shippedModel }, async () => {
  const message = await loadErrorWithSidecar((sidecar) => {
    const modic = (sidecar['heads'] as { name: string; classes: string[]; values: number[] }[]).find((head) => head.name === 'modic_type')!;
    modic.classes = modic.classes.slice(0, 3);
    modic.values = modic.values.slice(0, 3);
  });
  assert.match(message, /head modic_type lists 3 classes, but .*grading\.onnx gives 4 values per disc/);
});

test('sidecar with another axial crop size is rejected', { skip: shippedModel }, async () => {
  const message = await loadErrorWithSidecar((sidecar) => {
    const spec = sidecar['cropSpec'] as { axial: { width: number } };
    spec.axial.width = 80;
  });
  assert.match(message, /"inputs\.axial" \(3 x 96 x 96\) does not match the axial crop of "cropSpec" \(3 x 96 x 80\)/);
});

test('sidecar with another crop size is rejected', { skip: shippedModel }, async () => {
  const message = await loadErrorWithSidecar((sidecar) => {
    const spec = sidecar['cropSpec'] as { sagittal: { width: number } };
    spec.sagittal.width = 80;
  });
  assert.match(message, /"inputs\.sagittal" \(5 x 64 x 96\) does not match the sagittal crop of "cropSpec" \(5 x 64 x 80\)/);
});

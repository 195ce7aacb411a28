import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { defaultCropSpec, type CropSpec } from '../../src/crops/extract.js';
import {
  canonicalJson,
  cropSpecSha256,
  datasetProvenance,
  parseProvenance,
  provenanceDifference,
  provenanceKey,
  type DatasetProvenance,
  type ProvenanceDifference,
} from '../../src/dataset/provenance.js';
import { DeepspineError } from '../../src/errors.js';
import { fileSha256 } from '../../src/hash.js';
import { segmentationModelFormat } from '../../src/segmentation/model.js';

const scratch = mkdtempSync(join(tmpdir(), 'deepspine-provenance-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const bodyIntensity = { min: 0.1, max: 0.2, cases: 2, values: [0.1, 0.2] };
const current: DatasetProvenance = {
  segmentationModelSha256: 'a'.repeat(64),
  segmentationSpacingMm: 1.25,
  segmentationBodyIntensity: bodyIntensity,
  segmentationModelFile: '/models/a.onnx',
  cropSpec: defaultCropSpec,
};

/** Returns a copy of `spec` with the keys of every object in reverse order. */
function reversedKeys(spec: CropSpec): CropSpec {
  const reverse = (value: object): object => Object.fromEntries(Object.entries(value).reverse());
  return reverse({
    sagittal: reverse(spec.sagittal),
    axial: reverse(spec.axial),
    intensity: reverse(spec.intensity),
    minAxialCoverage: spec.minAxialCoverage,
  }) as CropSpec;
}

describe('provenanceDifference', () => {
  const cases: [string, DatasetProvenance | null, ProvenanceDifference | null][] = [
    ['same model and crop settings', current, null],
    ['same model at another path', { ...current, segmentationModelFile: '/elsewhere/copy.onnx' }, null],
    ['crop settings in another key order', { ...current, cropSpec: reversedKeys(defaultCropSpec) }, null],
    ['another model', { ...current, segmentationModelSha256: 'b'.repeat(64) }, 'segmentation model'],
    ['the same model file with another plane spacing in its sidecar', { ...current, segmentationSpacingMm: 1 }, 'segmentation model'],
    ['the same model file with other body intensities in its sidecar', { ...current, segmentationBodyIntensity: { ...bodyIntensity, max: 0.3, values: [0.1, 0.3] } }, 'segmentation model'],
    ['the same model file with no body intensities in its sidecar', { ...current, segmentationBodyIntensity: null }, 'segmentation model'],
    ['body intensities in another key order', { ...current, segmentationBodyIntensity: { values: [0.1, 0.2], cases: 2, max: 0.2, min: 0.1 } }, null],
    ['another crop width', { ...current, cropSpec: { ...defaultCropSpec, sagittal: { ...defaultCropSpec.sagittal, width: 128 } } }, 'crop settings'],
    ['another model and crop settings', { ...current, segmentationModelSha256: 'b'.repeat(64), segmentationModelFile: '/b.onnx', cropSpec: { ...defaultCropSpec, minAxialCoverage: 0.1 } }, 'segmentation model and crop settings'],
    ['no recorded provenance', null, 'not recorded'],
  ];
  for (const [name, stored, expected] of cases) {
    it(`returns ${String(expected)} for ${name}`, () => {
      assert.equal(provenanceDifference(stored, current), expected);
      assert.equal(provenanceKey(stored) === provenanceKey(current), expected === null, 'provenanceKey agrees');
    });
  }
});

describe('canonicalJson', () => {
  it('sorts keys at every depth', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: 'x' } }), '{"a":{"c":"x","d":[2,{"e":0,"f":1}]},"b":1}');
  });

  it('gives equal crop hashes for any key order', () => {
    assert.equal(cropSpecSha256(reversedKeys(defaultCropSpec)), cropSpecSha256(defaultCropSpec));
    assert.notEqual(cropSpecSha256({ ...defaultCropSpec, minAxialCoverage: 0.4 }), cropSpecSha256(defaultCropSpec));
  });
});

describe('fileSha256', () => {
  it('equals the hash of the whole file', async () => {
    // Several read-stream chunks (64 KiB each), so the digest spans chunk boundaries.
    const bytes = Buffer.alloc(200_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 251;
    const path = join(scratch, 'chunks.bin');
    writeFileSync(path, bytes);
    assert.equal(await fileSha256(path), createHash('sha256').update(bytes).digest('hex'));
  });

  it('rejects a missing file', async () => {
    await assert.rejects(fileSha256(join(scratch, 'absent.bin')), { code: 'ENOENT' });
  });
});

describe('datasetProvenance', () => {
  it('hashes the model file content and reads the sidecar spacing', async () => {
    const path = join(scratch, 'abc.onnx');
    writeFileSync(path, 'abc');
    writeFileSync(join(scratch, 'abc.json'), JSON.stringify({ format: segmentationModelFormat, spacingMm: 1.1 }));
    // SHA-256 of the three bytes "abc", the test vector of FIPS 180-2.
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    assert.equal(await fileSha256(path), abc);
    const provenance = await datasetProvenance(path, defaultCropSpec);
    assert.equal(provenance.segmentationModelSha256, abc);
    assert.equal(provenance.segmentationSpacingMm, 1.1);
    assert.equal(provenance.segmentationModelFile, path);
    assert.equal(provenance.cropSpec, defaultCropSpec);
  });

  it('gives another provenance when only the sidecar spacing changes', async () => {
    const path = join(scratch, 'edited.onnx');
    writeFileSync(path, 'same bytes');
    const sidecar = join(scratch, 'edited.json');
    writeFileSync(sidecar, JSON.stringify({ format: segmentationModelFormat, spacingMm: 1.25 }));
    const before = await datasetProvenance(path, defaultCropSpec);
    writeFileSync(sidecar, JSON.stringify({ format: segmentationModelFormat, spacingMm: 1 }));
    const after = await datasetProvenance(path, defaultCropSpec);
    assert.equal(after.segmentationModelSha256, before.segmentationModelSha256);
    assert.equal(provenanceDifference(before, after), 'segmentation model');
  });

  it('gives another provenance when the sidecar gains body intensities', async () => {
    const path = join(scratch, 'ranged.onnx');
    writeFileSync(path, 'same bytes');
    const sidecar = join(scratch, 'ranged.json');
    writeFileSync(sidecar, JSON.stringify({ format: segmentationModelFormat, spacingMm: 1.25 }));
    const before = await datasetProvenance(path, defaultCropSpec);
    assert.equal(before.segmentationBodyIntensity, null);
    writeFileSync(sidecar, JSON.stringify({ format: segmentationModelFormat, spacingMm: 1.25, bodyIntensity }));
    const after = await datasetProvenance(path, defaultCropSpec);
    assert.deepEqual(after.segmentationBodyIntensity, bodyIntensity);
    assert.equal(provenanceDifference(before, after), 'segmentation model');
  });

  it('rejects a model file without its sidecar', async () => {
    const path = join(scratch, 'lonely.onnx');
    writeFileSync(path, 'abc');
    await assert.rejects(datasetProvenance(path, defaultCropSpec), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.code, 'MODEL_FAILED');
      assert.match(error.message, /lonely\.json: sidecar of the segmentation model not found/);
      return true;
    });
  });

  it('rejects a missing model file', async () => {
    const path = join(scratch, 'absent.onnx');
    await assert.rejects(datasetProvenance(path, defaultCropSpec), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.code, 'MODEL_FAILED');
      assert.match(error.message, /absent\.onnx: segmentation model not found; check the --model path/);
      return true;
    });
  });
});

describe('parseProvenance', () => {
  it('reads a recorded provenance', () => {
    assert.deepEqual(parseProvenance(JSON.parse(JSON.stringify(current))), current);
  });

  const invalid: [string, unknown][] = [
    ['absent', undefined],
    ['null', null],
    ['a short hash', { ...current, segmentationModelSha256: 'abc' }],
    ['no file', { segmentationModelSha256: current.segmentationModelSha256, segmentationSpacingMm: 1.25, cropSpec: defaultCropSpec }],
    ['no plane spacing, as written before it was recorded', { segmentationModelSha256: current.segmentationModelSha256, segmentationModelFile: '/models/a.onnx', cropSpec: defaultCropSpec }],
    ['a plane spacing out of range', { ...current, segmentationSpacingMm: 0 }],
    ['no body intensities, as written before they were recorded', { ...current, segmentationBodyIntensity: undefined }],
    ['body intensities as a list', { ...current, segmentationBodyIntensity: [0.1, 0.2] }],
    ['crop settings as an array', { ...current, cropSpec: [] }],
  ];
  for (const [name, value] of invalid) {
    it(`returns null for ${name}`, () => assert.equal(parseProvenance(value), null));
  }
});

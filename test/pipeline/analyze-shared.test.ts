import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { norm, subtract, type Vec3 } from '../../src/geometry/affine.js';
import { DeepspineError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { analyzeStudy } from '../../src/pipeline/analyze.js';
import { sharedPath, skipWithoutSharedData } from '../shared-data.js';

interface TruthDisc {
  name: string;
  centroid_lps_mm: Vec3;
  source: string;
}

/** Warnings that doubt the lowest disc is L5-S1, and so lower the confidence of every name. */
const anchorWarningCodes = ['SACRUM_NOT_IN_VIEW', 'SACRUM_NOT_IDENTIFIED', 'TRANSITIONAL_ANATOMY_SUSPECTED'];

/** Disc centres from masks are exact; the vertebral-body cases only have midpoint estimates. */
const toleranceMm = { mask: 5, estimate: 10 };

describe('analyze on the real DICOM studies', () => {
  for (const name of ['ivd-11', 'vb2-02', 'vb3-01']) {
    it(`names every disc of ${name}`, { skip: skipWithoutSharedData('dicom', name) }, async () => {
      const truth = JSON.parse(readFileSync(sharedPath('dicom', name, 'truth.json'), 'utf8')) as { discs: TruthDisc[] };
      const output = await analyzeStudy(sharedPath('dicom', name), { outDir: '' }, silentLogger);
      assert.equal(output.result.series.sagittal.classification, 'sagittal-t2');
      for (const disc of truth.discs) {
        const found = output.levels.allDiscs.find((d) => d.name === disc.name);
        assert.ok(found, `${disc.name} not found; found ${output.levels.allDiscs.map((d) => d.name).join(', ')}`);
        const distance = norm(subtract(found.center, disc.centroid_lps_mm));
        const tolerance = disc.source.startsWith('ESTIMATE') ? toleranceMm.estimate : toleranceMm.mask;
        assert.ok(distance < tolerance, `${disc.name} is ${distance.toFixed(1)} mm from the truth`);
      }
      // A disc added from a faint band (no measurements) keeps a lower confidence on purpose, and
      // a doubtful lowest disc lowers every confidence, with a warning giving the reason.
      const anchorWarning = output.result.warnings.find((w) => anchorWarningCodes.includes(w.code));
      for (const level of output.result.levels) {
        if (anchorWarning !== undefined) {
          assert.ok(level.confidence < 0.5, `${level.level} confidence ${level.confidence} despite ${anchorWarning.code}`);
          continue;
        }
        const floor = level.measurements === null ? 0.3 : 0.5;
        assert.ok(level.confidence >= floor, `${level.level} confidence ${level.confidence}`);
      }
      assert.deepEqual(output.segmentation.labels.size, output.study.sagittal.size);
    });
  }

  it('rejects a cervical spine', { skip: skipWithoutSharedData('volumes', 'tptbox-cervical') }, async () => {
    await assert.rejects(analyzeStudy(sharedPath('volumes', 'tptbox-cervical', 'image.nii.gz'), { outDir: '' }, silentLogger), (error: unknown) => {
      assert.ok(error instanceof DeepspineError);
      assert.equal(error.code, 'NOT_LUMBAR_SPINE');
      assert.equal(error.exitCode, 7);
      return true;
    });
  });

  it('lowers confidence without the sacrum', { skip: skipWithoutSharedData('volumes', 'sct-t2-lumbar') }, async () => {
    const output = await analyzeStudy(sharedPath('volumes', 'sct-t2-lumbar', 'image.nii.gz'), { outDir: '' }, silentLogger);
    const codes = output.result.warnings.map((w) => w.code);
    assert.ok(codes.includes('SACRUM_NOT_IN_VIEW'), `warnings: ${codes.join(', ')}`);
    for (const level of output.result.levels) assert.ok(level.confidence < 0.5, `${level.level} confidence ${level.confidence}`);
  });
});

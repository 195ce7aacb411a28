import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { loadStudy } from '../../src/input/study.js';
import { readVolumeFile } from '../../src/input/volume-file.js';
import { defaultCropSpec, discFrame, extractDiscCrops, resampleGrid, sagittalCropAffine } from '../../src/crops/index.js';
import type { DiscLevel } from '../../src/levels/types.js';
import { sharedPath, skipWithoutSharedData } from '../shared-data.js';

interface MetaLevel {
  readonly name: string | null;
  readonly kind: string;
  readonly ras_centroid_mm: [number, number, number];
}

test('sagittal crops of ivd-11 centre on the labelled discs', { skip: skipWithoutSharedData('volumes', 'ivd-11') }, async () => {
  const image = await readVolumeFile(sharedPath('volumes', 'ivd-11', 'image.nii.gz'));
  const labels = await readVolumeFile(sharedPath('volumes', 'ivd-11', 'labels.nii.gz'));
  const meta = JSON.parse(await readFile(sharedPath('volumes', 'ivd-11', 'meta.json'), 'utf8')) as { levels: MetaLevel[] };
  // meta.json gives RAS centroids; LPS negates x and y.
  const levels: DiscLevel[] = meta.levels
    .filter((l) => l.kind === 'disc')
    .map((l) => ({
      level: l.name ?? 'unknown',
      center: [-l.ras_centroid_mm[0], -l.ras_centroid_mm[1], l.ras_centroid_mm[2]],
      normal: [0, 0, 1],
      posterior: [0, 1, 0],
      confidence: 1,
      measurements: null,
    }));
  assert.equal(levels.length, 5);
  const crops = extractDiscCrops({ studyId: 'ivd-11', sagittal: image, axial: image }, levels);
  const spec = { ...defaultCropSpec.sagittal, posteriorOffsetMm: 0, slices: 1 };
  for (const [index, disc] of crops.entries()) {
    assert.ok(disc.sagittal.coverage > 0.95, `${disc.level.level} sagittal coverage ${disc.sagittal.coverage}`);
    assert.ok(disc.sagittal.window !== null);
    // The label map resampled on the same kind of grid is disc (2) at the centre and not 10 mm above.
    const grid = resampleGrid(labels, sagittalCropAffine(discFrame(levels[index]!), spec), [spec.width, spec.height, 1]);
    const centre = Math.round((spec.height - 1) / 2) * spec.width + Math.round((spec.width - 1) / 2);
    const above = centre - Math.round(10 / spec.pixelSpacingMm) * spec.width;
    assert.ok(grid.data[centre]! > 1.5, `${disc.level.level}: label ${grid.data[centre]} at the crop centre`);
    assert.ok(grid.data[above]! < 0.5, `${disc.level.level}: label ${grid.data[above]} 10 mm above the centre`);
  }
});

interface TruthDisc {
  readonly name: string;
  readonly centroid_lps_mm: [number, number, number];
}

test('DICOM ivd-11 gives sagittal and axial crops for every disc', { skip: skipWithoutSharedData('dicom', 'ivd-11') }, async () => {
  const study = await loadStudy(sharedPath('dicom', 'ivd-11'));
  assert.ok(study.axial, 'the study has an axial series');
  const truth = JSON.parse(await readFile(sharedPath('dicom', 'ivd-11', 'truth.json'), 'utf8')) as { discs: TruthDisc[] };
  const levels: DiscLevel[] = truth.discs.map((d) => ({ level: d.name, center: d.centroid_lps_mm, normal: [0, 0, 1], posterior: [0, 1, 0], confidence: 1, measurements: null }));
  const crops = extractDiscCrops({ studyId: 'ivd-11', sagittal: study.sagittal, axial: study.axial }, levels);
  assert.equal(crops.length, 5);
  for (const disc of crops) {
    assert.equal(disc.sagittal.sourcePlanes, defaultCropSpec.sagittal.slices);
    assert.ok(disc.sagittal.coverage > 0.9, `${disc.level.level} sagittal coverage ${disc.sagittal.coverage}`);
    assert.ok(disc.axial, `${disc.level.level}: ${disc.axialMissingReason}`);
    assert.ok(disc.axial.coverage >= defaultCropSpec.minAxialCoverage, `${disc.level.level} axial coverage ${disc.axial.coverage}`);
  }
});

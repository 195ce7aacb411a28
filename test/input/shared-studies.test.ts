import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { dot, subtract, type Vec3 } from '../../src/geometry/affine.js';
import { indexToPatient, patientToIndex, sliceNormal, spacing, voxelAt, type Volume } from '../../src/geometry/volume.js';
import { loadStudy, type Study } from '../../src/input/study.js';
import { readVolumeFile } from '../../src/input/volume-file.js';
import { sharedPath, skipWithoutSharedData } from '../shared-data.js';

interface TruthSeries {
  series_instance_uid: string;
  n_instances: number;
  rows_cols: [number, number];
}

interface Truth {
  series: { sag_t2: TruthSeries; ax_t2: TruthSeries; localizer: TruthSeries };
  discs: { name: string; centroid_lps_mm: [number, number, number]; nearest_ax_t2_instance: number; nearest_sag_t2_instance: number }[];
}

const cases = [
  { name: 'ivd-11', axialSyntax: 'Explicit VR Little Endian' },
  { name: 'vb2-02', axialSyntax: 'RLE Lossless' },
  { name: 'vb3-01', axialSyntax: 'Explicit VR Little Endian' },
];

function roundIndex(index: Vec3, volume: Volume): [number, number, number] {
  return [0, 1, 2].map((axis) => Math.min(Math.max(Math.round(index[axis]!), 0), volume.size[axis]! - 1)) as [number, number, number];
}

/**
 * Compares every `step`-th voxel of a DICOM volume with the source NIfTI voxel at the same LPS
 * position. Returns how many voxels were compared and how many differ or fall off the NIfTI grid.
 */
function compareWithSource(volume: Volume, source: Volume, step: number): { compared: number; mismatches: number; offGrid: number } {
  let compared = 0;
  let mismatches = 0;
  let offGrid = 0;
  const [nx, ny, nz] = volume.size;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j += step) {
      for (let i = (j + k) % step; i < nx; i += step) {
        const sourceIndex = patientToIndex(source, indexToPatient(volume, [i, j, k]));
        const rounded = sourceIndex.map(Math.round) as [number, number, number];
        if (sourceIndex.some((value, axis) => Math.abs(value - rounded[axis]!) > 1e-3)) {
          offGrid += 1;
          continue;
        }
        compared += 1;
        if (voxelAt(source, rounded[0], rounded[1], rounded[2], -1) !== voxelAt(volume, i, j, k)) mismatches += 1;
      }
    }
  }
  return { compared, mismatches, offGrid };
}

for (const testCase of cases) {
  const skip = skipWithoutSharedData('dicom', testCase.name);
  describe(`shared study ${testCase.name}`, { skip }, () => {
    let study: Study;
    let truth: Truth;
    let source: Volume;
    let loadMs = 0;

    before(async () => {
      truth = JSON.parse(readFileSync(sharedPath('dicom', testCase.name, 'truth.json'), 'utf8')) as Truth;
      const start = performance.now();
      study = await loadStudy(sharedPath('dicom', testCase.name));
      loadMs = performance.now() - start;
      source = await readVolumeFile(sharedPath('volumes', testCase.name, 'image.nii.gz'));
    });

    it('loads in under five seconds', (t) => {
      t.diagnostic(`loadStudy took ${loadMs.toFixed(0)} ms`);
      assert.ok(loadMs < 5000, `loadStudy took ${loadMs.toFixed(0)} ms`);
    });

    it('classifies the three series', () => {
      const byUid = new Map(study.series.map((series) => [series.seriesInstanceUid, series]));
      assert.equal(study.series.length, 3);
      assert.equal(byUid.get(truth.series.sag_t2.series_instance_uid)?.classification, 'sagittal-t2');
      assert.equal(byUid.get(truth.series.ax_t2.series_instance_uid)?.classification, 'axial-t2');
      const localizer = byUid.get(truth.series.localizer.series_instance_uid);
      assert.equal(localizer?.classification, 'other');
      assert.equal(localizer?.localizer, true);
      assert.equal(localizer?.orientation, 'coronal');
    });

    it('chooses sag_t2 and ax_t2, never the localizer', () => {
      assert.equal(study.sagittalSeries.seriesInstanceUid, truth.series.sag_t2.series_instance_uid);
      assert.equal(study.axialSeries?.seriesInstanceUid, truth.series.ax_t2.series_instance_uid);
      assert.notEqual(study.sagittalSeries.seriesInstanceUid, truth.series.localizer.series_instance_uid);
      assert.deepEqual(study.warnings, []);
    });

    it('lists the transfer syntaxes', () => {
      assert.deepEqual(study.sagittalSeries.transferSyntaxes.map((syntax) => syntax.name), ['Explicit VR Little Endian']);
      assert.deepEqual(study.axialSeries?.transferSyntaxes.map((syntax) => syntax.name), [testCase.axialSyntax]);
    });

    it('keeps the series sizes and 4 mm slice spacing', () => {
      const axial = study.axial!;
      assert.deepEqual(study.sagittal.size, [truth.series.sag_t2.rows_cols[1], truth.series.sag_t2.rows_cols[0], truth.series.sag_t2.n_instances]);
      assert.deepEqual(axial.size, [truth.series.ax_t2.rows_cols[1], truth.series.ax_t2.rows_cols[0], truth.series.ax_t2.n_instances]);
      for (const volume of [study.sagittal, axial]) {
        const [si, sj, sk] = spacing(volume);
        assert.ok(Math.abs(si - 1) < 1e-9, `column spacing ${si}`);
        assert.ok(Math.abs(sj - 1) < 1e-9, `row spacing ${sj}`);
        assert.ok(Math.abs(sk - 4) < 1e-6, `slice spacing ${sk}`);
      }
      assert.equal(study.sagittalSeries.sliceSpacing?.toFixed(3), '4.000');
      assert.equal(study.axialSeries?.sliceSpacing?.toFixed(3), '4.000');
    });

    it('orders k along the slice normal', () => {
      const sagittalCount = truth.series.sag_t2.n_instances;
      const axialCount = truth.series.ax_t2.n_instances;
      // sag_t2 instances run towards patient right (-x LPS), which is the normal of its orientation;
      // ax_t2 instances run superior to inferior, against its +z normal.
      assert.deepEqual(study.sagittalSeries.instanceNumbers, Array.from({ length: sagittalCount }, (_, k) => k + 1));
      assert.deepEqual(study.axialSeries?.instanceNumbers, Array.from({ length: axialCount }, (_, k) => axialCount - k));
      assert.deepEqual(sliceNormal(study.sagittal).map((value) => Math.round(value)), [-1, 0, 0]);
      assert.deepEqual(sliceNormal(study.axial!).map((value) => Math.round(value)), [0, 0, 1]);
    });

    it('maps disc centres to the truth instances', () => {
      assert.ok(truth.discs.length >= 4);
      const roles = [
        { volume: study.sagittal, instances: study.sagittalSeries.instanceNumbers, expected: (disc: Truth['discs'][number]) => disc.nearest_sag_t2_instance },
        { volume: study.axial!, instances: study.axialSeries!.instanceNumbers, expected: (disc: Truth['discs'][number]) => disc.nearest_ax_t2_instance },
      ];
      for (const role of roles) {
        const normal = sliceNormal(role.volume);
        const sliceSpacing = spacing(role.volume)[2];
        for (const disc of truth.discs) {
          const index = patientToIndex(role.volume, disc.centroid_lps_mm);
          const back = indexToPatient(role.volume, index);
          assert.ok(Math.hypot(...subtract(back, disc.centroid_lps_mm)) < 1e-6, `${disc.name}: inverse affine round trip`);
          const voxel = roundIndex(index, role.volume);
          assert.deepEqual(voxel.map((value, axis) => Math.round(index[axis]!) === value), [true, true, true], `${disc.name}: centre outside the grid`);
          const offset = subtract(indexToPatient(role.volume, voxel), disc.centroid_lps_mm);
          const along = dot(offset, normal);
          const inPlane = Math.hypot(offset[0] - along * normal[0], offset[1] - along * normal[1], offset[2] - along * normal[2]);
          assert.ok(inPlane <= 1, `${disc.name}: nearest voxel is ${inPlane.toFixed(2)} mm from the centre in the slice plane`);
          assert.ok(Math.abs(along) <= sliceSpacing / 2 + 1e-6, `${disc.name}: nearest slice is ${along.toFixed(2)} mm away`);
          assert.equal(role.instances[voxel[2]], role.expected(disc), `${disc.name}: instance at k=${voxel[2]}`);
        }
      }
    });

    it('matches the source NIfTI voxels', () => {
      for (const [label, volume] of [
        ['sagittal', study.sagittal],
        ['axial', study.axial!],
      ] as const) {
        const result = compareWithSource(volume, source, 3);
        assert.ok(result.compared > 5000, `${label}: only ${result.compared} voxels compared`);
        assert.equal(result.offGrid, 0, `${label}: voxels off the source grid`);
        assert.equal(result.mismatches, 0, `${label}: voxels that differ from the source`);
      }
    });
  });
}

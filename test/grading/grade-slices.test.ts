import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gradeSlices, headColumns } from '../../src/grading/grade-slices.js';
import { defaultGradingModelPath, type GradingHead } from '../../src/grading/model.js';
import { silentLogger } from '../../src/log.js';
import { parseCsvRecords } from '../../src/grading/csv.js';
import { thresholdFinder, writeSliceFolder } from './slice-fixtures.js';

const head = (name: string, kind: 'binary' | 'multiclass', classes: string[], trained: boolean): GradingHead => ({
  name,
  kind,
  classes,
  values: classes.map((_, i) => i),
  description: '',
  trained,
  trainingLabelCounts: [],
});

test('headColumns marks untrained heads', () => {
  assert.deepEqual(headColumns(head('disc_bulge', 'binary', ['absent', 'present'], true)), ['disc_bulge_p']);
  assert.deepEqual(headColumns(head('pfirrmann_grade', 'multiclass', ['1', '2'], true)), ['pfirrmann_grade_p_1', 'pfirrmann_grade_p_2']);
  assert.deepEqual(headColumns(head('epidural_lipomatosis', 'binary', ['absent', 'present'], false)), ['epidural_lipomatosis_p_not_trained']);
  assert.deepEqual(headColumns(head('spinal_canal_stenosis', 'multiclass', ['none', 'mild'], false)), ['spinal_canal_stenosis_p_none_not_trained', 'spinal_canal_stenosis_p_mild_not_trained']);
});

test('gradeSlices writes one row per disc', { skip: existsSync(defaultGradingModelPath) ? false : `shipped grading model not found at ${defaultGradingModelPath}` }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'deepspine-grade-'));
  try {
    await writeSliceFolder(join(dir, 'in'), [
      { patient: '1', series: '1_t2', discs: 3 },
      { patient: '2', series: '2_t1', discs: 0 },
      { patient: '3', series: '3_t2', discs: 2, listedDiscs: 3 },
    ]);
    const out = join(dir, 'out', 'grades.csv');
    const summary = await gradeSlices(join(dir, 'in'), out, silentLogger, { finder: thresholdFinder });
    assert.equal(summary.series, 3);
    assert.equal(summary.seriesWithoutDiscs, 1);
    assert.equal(summary.seriesWithOtherDiscCount, 1, 'series 3_t2 has 2 discs but lists 3');
    assert.equal(summary.rows, 5);
    assert.ok(summary.untrainedHeads.includes('spinal_canal_stenosis'));
    const { columns, records } = parseCsvRecords(await readFile(out, 'utf8'));
    assert.deepEqual(columns.slice(0, 7), ['patient', 'series', 'ivd_label', 'discs_found', 'discs_expected', 'disc_column_px', 'disc_row_px']);
    assert.ok(columns.includes('disc_bulge_p'));
    assert.ok(columns.includes('pfirrmann_grade_p_5'));
    assert.ok(columns.includes('spinal_canal_stenosis_p_severe_not_trained'));
    assert.ok(!columns.includes('spinal_canal_stenosis_p_severe'));
    assert.deepEqual(records.map((r) => r['ivd_label']), ['1', '2', '3', '1', '2']);
    assert.deepEqual(records.map((r) => `${r['discs_found']}/${r['discs_expected']}`), ['3/3', '3/3', '3/3', '2/3', '2/3']);
    // IVD 1 is the lowest disc: the largest row, 40 px from the bottom of the 300 px slice.
    assert.ok(Math.abs(Number(records[0]!['disc_row_px']) - 259.5) < 1);
    for (const record of records) {
      const p = Number(record['disc_bulge_p']);
      assert.ok(p >= 0);
      assert.ok(p <= 1);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LevelReport } from '../../src/pipeline/result.js';
import { formatGrade, formatLevelTable } from '../../src/outputs/table.js';
import { sampleResult } from './fixtures.js';

const plain = { color: false, width: 100 } as const;

function graded(levels: readonly LevelReport[]): LevelReport[] {
  return levels.map((level, n) => ({
    ...level,
    grades: {
      spinal_canal_stenosis: { grade: ['moderate', 'none'][n], probability: [0.71, 0.9][n] },
      pfirrmann_grade: [3, 4][n],
      disc_herniation: n === 0,
    },
  }));
}

test('level table rows', () => {
  const lines = formatLevelTable(sampleResult(), plain).split('\n');
  assert.equal(lines[0], '                                        Anterior  Middle  Posterior');
  assert.equal(lines[1], '                                Centre    height  height     height');
  assert.equal(lines[2], 'Level   Confidence            LPS (mm)      (mm)    (mm)       (mm)   DHI');
  assert.equal(lines[3], '------  ----------  ------------------  --------  ------  ---------  ----');
  assert.equal(lines[4], 'L4-L5         0.91   1.3, 32.0,  -80.5      11.8    10.3        6.5  0.25');
  assert.equal(lines[5], 'L5-S1?        0.31  -0.5, 41.5, -112.0         -       -          -     -');
  assert.equal(lines[6], '? confidence below 0.50: the name may be shifted by a level');
});

test('level table rounds confidence down', () => {
  const levels = sampleResult().levels.map((level, index) => ({ ...level, confidence: index === 0 ? 0.636 : 0.497 }));
  const lines = formatLevelTable(sampleResult({ levels }), plain).split('\n');
  assert.match(lines[4]!, /^L4-L5 +0\.63 /);
  assert.match(lines[5]!, /^L5-S1\? +0\.49 /);
});

test('level table warnings and series', () => {
  const text = formatLevelTable(sampleResult(), plain);
  assert.match(text, /\nWarnings:\n {2}SACRUM_NOT_IN_VIEW: the image ends 12 mm below the lowest disc\n/);
  assert.ok(text.endsWith('\nSagittal series: 3 "T2 SAG" (sagittal-t2), 15 slices 4.00 mm apart, pixels 0.69 x 0.69 mm\nAxial series: none\n'), text);
});

test('level table without warnings or levels', () => {
  const text = formatLevelTable(sampleResult({ levels: [], warnings: [] }), plain);
  assert.ok(text.startsWith('No disc level was found.\n'));
  assert.match(text, /\nWarnings: none\n/);
});

test('level table counts repeated warning codes', () => {
  const skipped = Array.from({ length: 8 }, (_, n) => ({ code: 'FILE_SKIPPED', message: `skipped file ${n}` }));
  const text = formatLevelTable(sampleResult({ warnings: [...skipped, { code: 'DISC_CHAIN_GAP', message: 'a disc may be missed' }] }), plain);
  const lines = text.split('\n');
  const warningLines = lines.slice(lines.indexOf('Warnings:') + 1).filter((line) => line.startsWith('  '));
  assert.equal(warningLines.length, 7);
  assert.equal(warningLines[4], '  FILE_SKIPPED: skipped file 4');
  assert.equal(warningLines[5], '  DISC_CHAIN_GAP: a disc may be missed');
  assert.equal(warningLines[6], '  FILE_SKIPPED: 3 more warnings with this code are listed in results.json');
});

test('level table names an unnamed series', () => {
  const result = sampleResult();
  const sagittal = { ...result.series.sagittal, seriesNumber: null, description: '', pixelSpacingMm: null, sliceSpacingMm: null };
  const text = formatLevelTable(sampleResult({ series: { ...result.series, sagittal } }), plain);
  assert.ok(text.includes('\nSagittal series: unnamed (sagittal-t2), 15 slices\n'), text);
});

test('grade columns join a table that fits', () => {
  const result = sampleResult();
  const lines = formatLevelTable(sampleResult({ levels: graded(result.levels) }), { color: false, width: 200 }).split('\n');
  assert.equal(
    lines[4],
    'L4-L5         0.91   1.3, 32.0,  -80.5      11.8    10.3        6.5  0.25  moderate 0.71  3          yes',
  );
  assert.ok(lines[2]!.endsWith('DHI  stenosis       grade      herniation'), lines[2]);
});

test('grade columns move to a second table', () => {
  const result = sampleResult();
  const lines = formatLevelTable(sampleResult({ levels: graded(result.levels) }), plain).split('\n');
  assert.equal(lines[6], '');
  assert.equal(lines[7], '        spinal canal   pfirrmann  disc');
  assert.equal(lines[8], 'Level   stenosis       grade      herniation');
  assert.equal(lines[9], '------  -------------  ---------  ----------');
  assert.equal(lines[10], 'L4-L5   moderate 0.71  3          yes');
  assert.equal(lines[11], 'L5-S1?  none 0.90      4          no');
});

test('grade tables split to the width', () => {
  const result = sampleResult();
  const text = formatLevelTable(sampleResult({ levels: graded(result.levels) }), { color: false, width: 30 });
  const gradeHeaders = text.split('\n').filter((line) => line.startsWith('Level   ') && !line.includes('Confidence'));
  assert.deepEqual(gradeHeaders, ['Level   stenosis', 'Level   grade      herniation']);
});

test('level table colour only on request', () => {
  const text = formatLevelTable(sampleResult(), plain);
  assert.equal(text.includes('\u001b['), false);
  const colored = formatLevelTable(sampleResult(), { color: true, width: 100 });
  assert.ok(colored.includes('\u001b[33mSACRUM_NOT_IN_VIEW\u001b[0m'));
  assert.ok(colored.includes('\u001b[33mL5-S1?'));
});

test('formatGrade shapes', () => {
  assert.equal(formatGrade(undefined), '-');
  assert.equal(formatGrade(null), '-');
  assert.equal(formatGrade('severe'), 'severe');
  assert.equal(formatGrade(2), '2');
  assert.equal(formatGrade(0.456), '0.46');
  assert.equal(formatGrade(true), 'yes');
  assert.equal(formatGrade({ grade: 'mild', probability: 0.5 }), 'mild 0.50');
  assert.equal(formatGrade({ grade: 3 }), '3');
  assert.equal(formatGrade({ probabilities: [0.1, 0.2, 0.3, 0.4] }), '{"probabilities":[0.1,0~');
});

test('level table escapes control characters', () => {
  const base = sampleResult();
  const description = 'T2 \u001b[2J\u001b[31mSAG\nerror: FAKE LINE\r\u0007';
  const result = sampleResult({
    series: { ...base.series, sagittal: { ...base.series.sagittal, description } },
    warnings: [{ code: 'FILE_SKIPPED', message: 'skipped x\n\u001b[2Jerror: fake.dcm: truncated' }],
  });

  const text = formatLevelTable(result, plain);

  assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text), 'no control character but the line break');
  assert.ok(text.includes('T2 \\x1b[2J\\x1b[31mSAG\\x0aerror: FAKE LINE\\x0d\\x07'));
  assert.ok(text.includes('  FILE_SKIPPED: skipped x\\x0a\\x1b[2Jerror: fake.dcm: truncated'));
  assert.ok(!text.split('\n').some((line) => line.startsWith('error:')));
});

test('level table marks levels not graded', () => {
  const base = sampleResult();
  const levels = base.levels.map((level, n) => ({
    ...level,
    grades: {
      sagittalCoverage: n === 0 ? 1 : 0.56,
      disc_bulge: n === 0 ? { status: 'trained', kind: 'binary', probability: 0.31 } : { status: 'not graded', note: '44 % of the sagittal crop lies outside the image' },
    },
  }));

  const lines = formatLevelTable(sampleResult({ levels }), plain).split('\n');

  const rows = lines.filter((line) => /^L[45]-/.test(line));
  assert.ok(rows[0]!.endsWith('0.25  0.31'), rows[0]);
  assert.ok(rows[1]!.endsWith('     -  -'), rows[1]);
  assert.ok(lines.includes('Not graded, because the crop lies partly outside the image: L5-S1'));
  assert.ok(!lines.some((line) => line.includes('sagittal coverage')));
});

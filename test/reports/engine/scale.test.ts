import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRandom } from '../../../src/demo/random.js';
import { labelReport } from '../../../src/reports/labeler.js';
import type { Condition, ReportLevel } from '../../../src/reports/types.js';

// Pieces of report text, including notation, punctuation and characters that change length when
// lowercased, so random mixes reach unusual paths of the scanner.
const PIECES = [
  'L4-5', 'L5-S1', 'L3-S1', 'T12-L1', 'L5-L6', 'C5-6', 'L45', 'L4 5', 'L-4 to L-5', 'from L2 to L5', 'L4',
  'FINDINGS:', 'IMPRESSION:', 'HISTORY:', 'Note:', 'findings', '\n', '\r\n', '.', ',', ';', ':', '/', '-', '(', ')',
  'no', 'not seen', 'without', 'possible', 'cannot be excluded', 'but', 'with', 'and', 'or',
  'mild', 'moderate', 'severe', 'mild to moderate', 'moderately severe', 'left', 'right', 'bilateral', 'left greater than right',
  'canal', 'foraminal', 'foramina', 'subarticular', 'lateral recess', 'stenosis', 'narrowing', 'patent', 'normal', 'unremarkable',
  'facet', 'arthropathy', 'hypertrophy', 'ligamentum flavum', 'thickening', 'epidural fat', 'prominent', 'disc', 'bulge',
  'protrusion', 'disc osteophyte complex', 'at any level', 'remaining levels', 'lumbar spine', 'MRI', '9 mm', '12.5 mm', '5 x 6 mm',
  'the', 'is', 'there is', 'measures', 'İ', '\u{1F600}', '\ud800', '\udc00', 'Straße', '’s', '\u2013', '  ',
];

function randomReport(random: () => number, pieces: number): string {
  const parts: string[] = [];
  for (let index = 0; index < pieces; index++) parts.push(PIECES[Math.floor(random() * PIECES.length)]!);
  return parts.join(random() < 0.5 ? ' ' : '');
}

describe('labelReport on random text', () => {
  it('keeps every evidence inside the text', () => {
    const random = createRandom(20240611);
    for (let report = 0; report < 3000; report++) {
      const text = randomReport(random, 5 + Math.floor(random() * 120));
      const labels = labelReport(text);
      for (const [level, values] of Object.entries(labels.levels)) {
        for (const condition of Object.keys(values)) {
          const evidence = labels.evidence[level as ReportLevel]?.[condition as Condition];
          assert.ok(evidence !== undefined, `report ${report}: ${level} ${condition} has no evidence in ${JSON.stringify(text)}`);
          assert.ok(
            Number.isInteger(evidence.start) && evidence.start >= 0 && evidence.start < evidence.end && evidence.end <= text.length,
            `report ${report}: ${level} ${condition} evidence ${evidence.start}-${evidence.end} outside ${JSON.stringify(text)}`,
          );
        }
      }
      for (const [level, entries] of Object.entries(labels.evidence)) {
        for (const condition of Object.keys(entries)) {
          assert.ok(labels.levels[level as ReportLevel]?.[condition as Condition] !== undefined, `report ${report}: evidence without value`);
        }
      }
    }
  });

  it('gives the same labels on a second run', () => {
    const random = createRandom(7);
    const texts = Array.from({ length: 200 }, () => randomReport(random, 80));
    const first = texts.map((text) => JSON.stringify(labelReport(text)));
    const second = texts.map((text) => JSON.stringify(labelReport(text)));
    assert.deepEqual(second, first);
  });
});

describe('labelReport on long text', () => {
  // A quadratic step would take hours on these megabyte inputs; linear time takes about a second
  // each. The limits leave room for a loaded machine.
  const oneMegabyte = 1_000_000;
  const pathological: [string, string][] = [
    ['one sentence of findings', 'no canal stenosis and mild foraminal narrowing at L4-5 and '],
    ['repeated negations', 'no '],
    ['repeated hedges', 'possible '],
    ['repeated levels', 'L4-5 '],
    ['repeated measurements', 'canal stenosis 9 mm '],
    ['flattened headings', 'L4-5: mild stenosis, '],
    ['repeated elliptical sides', 'foraminal stenosis, moderate on the right and mild on the left and '],
  ];
  for (const [name, unit] of pathological) {
    it(`labels a megabyte of ${name}`, () => {
      const text = unit.repeat(Math.ceil(oneMegabyte / unit.length));
      const started = performance.now();
      labelReport(text);
      const seconds = (performance.now() - started) / 1000;
      assert.ok(seconds < 10, `${name}: ${seconds.toFixed(2)} s`);
    });
  }

  it('labels 10 MB of report text in seconds', () => {
    const random = createRandom(3);
    const parts: string[] = [];
    let length = 0;
    while (length < 10_000_000) {
      const part = `L${1 + Math.floor(random() * 4)}-${2 + Math.floor(random() * 4)}: ${randomReport(random, 40)}.\n`;
      parts.push(part);
      length += part.length;
    }
    const text = parts.join('');
    const started = performance.now();
    const labels = labelReport(text);
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds < 30, `${seconds.toFixed(2)} s for ${text.length} characters`);
    assert.ok(Object.keys(labels.levels).length > 0);
  });
});

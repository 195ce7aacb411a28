import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelReport } from '../../../src/reports/labeler.js';
import { allConditions, bothFacets, bothForamina, checkLabels, statedLevels, type ExpectedLevels } from './expect.js';

// A report whose line breaks were flattened into ", " must give the labels of the original, because
// a level heading stays current until the next level is named, whatever separates the two.
interface FlattenedCase {
  name: string;
  lines: string[];
  levels: ExpectedLevels;
}

const cases: FlattenedCase[] = [
  {
    name: 'lines ending in periods',
    lines: [
      'FINDINGS:',
      'L3-L4: Mild disc bulge. No canal stenosis.',
      'L4-L5: Moderate canal stenosis. Mild bilateral foraminal stenosis.',
      'L5-S1: Small central disc protrusion.',
    ],
    levels: {
      'L3-L4': { disc_bulge: 1, spinal_canal_stenosis: 0 },
      'L4-L5': { spinal_canal_stenosis: 2, ...bothForamina(1) },
      'L5-S1': { disc_herniation: 1 },
    },
  },
  {
    name: 'lines without periods',
    lines: [
      'L2-3: no canal stenosis',
      'L3-4: mild disc bulge',
      'L4-5: disc bulge with mild facet arthropathy and moderate right foraminal stenosis',
    ],
    levels: {
      'L2-L3': { spinal_canal_stenosis: 0 },
      'L3-L4': { disc_bulge: 1 },
      'L4-L5': { disc_bulge: 1, ...bothFacets(1), right_foraminal_stenosis: 2 },
    },
  },
  {
    name: 'normal levels between findings',
    lines: [
      'L1-L2: Normal.',
      'L2-L3: Normal.',
      'L3-L4: Mild facet arthropathy.',
      'L4-L5: Ligamentum flavum hypertrophy and moderate left subarticular stenosis.',
      'L5-S1: Unremarkable.',
    ],
    levels: {
      'L1-L2': allConditions(0),
      'L2-L3': allConditions(0),
      'L3-L4': bothFacets(1),
      'L4-L5': { ligamentum_flavum_thickening: 1, left_subarticular_stenosis: 2 },
      'L5-S1': allConditions(0),
    },
  },
  {
    name: 'several sentences per level',
    lines: [
      'L4-5: There is a broad-based disc bulge. Mild facet hypertrophy. The canal is patent.',
      'L5-S1: There is a small left paracentral extrusion. Severe left and mild right foraminal narrowing.',
    ],
    levels: {
      'L4-L5': { disc_bulge: 1, ...bothFacets(1), spinal_canal_stenosis: 0 },
      'L5-S1': { disc_herniation: 1, left_foraminal_stenosis: 3, right_foraminal_stenosis: 1 },
    },
  },
];

for (const flattenedCase of cases) {
  const withBreaks = flattenedCase.lines.join('\n');
  const flattened = flattenedCase.lines.join(', ');

  test(`${flattenedCase.name} with breaks`, () => {
    checkLabels({ name: flattenedCase.name, text: withBreaks, levels: flattenedCase.levels });
  });

  test(`${flattenedCase.name} flattened`, () => {
    checkLabels({ name: flattenedCase.name, text: flattened, levels: flattenedCase.levels });
  });

  test(`${flattenedCase.name} same both ways`, () => {
    const original = statedLevels(labelReport(withBreaks));
    const commas = statedLevels(labelReport(flattened));
    assert.deepEqual(commas, original, `text: ${JSON.stringify(flattened)}\n  expected the labels of ${JSON.stringify(withBreaks)}`);
  });
}

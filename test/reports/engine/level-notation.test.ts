import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { labelReport } from '../../../src/reports/labeler.js';
import { L5, L6, S1, T12, levelsBetween } from '../../../src/reports/level-notation.js';
import type { ReportLevel } from '../../../src/reports/types.js';

function levelsNamed(sentence: string): string[] {
  return Object.keys(labelReport(sentence).levels);
}

describe('level notations', () => {
  const l4l5 = ['L4-L5', 'L4-5', 'L4/5', 'L4/L5', 'L4 5', 'L45', 'L4L5', 'L4 - L5', 'L-4 to L-5', 'L4 to L5', 'at L4 to L5', 'L4-5 level', 'L4\u20135', 'l4-5'];
  for (const notation of l4l5) {
    it(`reads ${notation} as L4-L5`, () => {
      assert.deepEqual(levelsNamed(`${notation}: mild disc bulge.`), ['L4-L5']);
    });
  }

  const l5s1 = ['L5-S1', 'L5S1', 'L5-S 1', 'L5-SI', 'L5-Sl', 'L5 S1', 'L5/S1'];
  for (const notation of l5s1) {
    it(`reads ${notation} as L5-S1`, () => {
      assert.deepEqual(levelsNamed(`Mild disc bulge at ${notation}.`), ['L5-S1']);
    });
  }

  it('reads T12-L1 as a level', () => {
    assert.deepEqual(levelsNamed('T12-L1: mild disc bulge.'), ['T12-L1']);
  });

  it('reads L12 as L1-L2', () => {
    assert.deepEqual(levelsNamed('L12: mild disc bulge.'), ['L1-L2']);
  });

  const spans: [string, ReportLevel[]][] = [
    ['L3-S1', ['L3-L4', 'L4-L5', 'L5-S1']],
    ['L2-L3 through L4-L5', ['L2-L3', 'L3-L4', 'L4-L5']],
    ['from L2 to L5', ['L2-L3', 'L3-L4', 'L4-L5']],
    ['L1-L2 to L3-L4', ['L1-L2', 'L2-L3', 'L3-L4']],
    ['L2-3 to L4-5', ['L2-L3', 'L3-L4', 'L4-L5']],
    ['L3 through S1', ['L3-L4', 'L4-L5', 'L5-S1']],
  ];
  for (const [notation, levels] of spans) {
    it(`reads the span ${notation}`, () => {
      assert.deepEqual(levelsNamed(`Mild facet arthropathy ${notation === 'from L2 to L5' ? '' : 'at '}${notation}.`), levels);
    });
  }

  it('lists several levels', () => {
    assert.deepEqual(levelsNamed('Disc bulges at L2-3, L3-4 and L5-S1.'), ['L2-L3', 'L3-L4', 'L5-S1']);
  });

  it('ignores a lone vertebra', () => {
    const labels = labelReport('Hemangioma in the L4 vertebral body. Mild disc bulge.');
    assert.deepEqual(labels.levels, {});
    assert.deepEqual(
      labels.warnings.map((warning) => warning.code),
      ['NO_LEVELS_FOUND'],
    );
  });

  it('reads a vertebra and a size apart', () => {
    assert.deepEqual(levelsNamed('At L4 5 mm disc protrusion.'), []);
  });

  it('ignores T1/T2 sequence names', () => {
    const labels = labelReport('Sagittal T1/T2 images of the lumbar spine. L4-5: mild disc bulge.');
    assert.deepEqual(Object.keys(labels.levels), ['L4-L5']);
    assert.deepEqual(labels.warnings, []);
  });

  it('maps the lumbosacral junction to L5-S1', () => {
    assert.deepEqual(levelsNamed('Lumbosacral junction: mild disc bulge.'), ['L5-S1']);
    assert.deepEqual(levelsNamed('Mild disc bulge at the lumbosacral disc.'), ['L5-S1']);
  });

  it('keeps sixth lumbar levels with a warning', () => {
    const labels = labelReport('L5-L6: mild disc bulge. L6-S1: moderate canal stenosis. Lumbosacral level: mild facet arthropathy.');
    assert.deepEqual(labels.levels, {
      'L5-L6': { disc_bulge: 1 },
      'L6-S1': { spinal_canal_stenosis: 2, left_facet_arthropathy: 1, right_facet_arthropathy: 1 },
    });
    assert.deepEqual(
      labels.warnings.map((warning) => warning.code),
      ['SIXTH_LUMBAR_VERTEBRA'],
    );
  });
});

describe('levelsBetween', () => {
  it('names a disc between adjacent vertebrae', () => {
    assert.deepEqual(levelsBetween('disc', T12, T12 + 1, false), ['T12-L1']);
    assert.deepEqual(levelsBetween('disc', L5, S1, false), ['L5-S1']);
    assert.deepEqual(levelsBetween('disc', L5, L6, true), ['L5-L6']);
  });

  it('gives no level for a thoracic disc', () => {
    assert.deepEqual(levelsBetween('disc', T12 - 2, T12 - 1, false), []);
  });

  it('includes the sixth lumbar discs in a span', () => {
    assert.deepEqual(levelsBetween('span', L5 - 1, S1, true), ['L4-L5', 'L5-L6', 'L6-S1']);
    assert.deepEqual(levelsBetween('span', L5 - 1, S1, false), ['L4-L5', 'L5-S1']);
  });

  it('clips a span to the lumbar levels', () => {
    assert.deepEqual(levelsBetween('span', T12 - 2, T12 + 2, false), ['T12-L1', 'L1-L2']);
  });
});

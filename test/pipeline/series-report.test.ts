import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SeriesSummary } from '../../src/input/types.js';
import { seriesReport } from '../../src/pipeline/analyze.js';

function summary(sliceSpacing: number | null): SeriesSummary {
  return {
    id: 'series-2',
    seriesInstanceUid: '1.2.3',
    number: 2,
    description: 'T2 SAG',
    classification: 'sagittal-t2',
    sliceCount: 17,
    pixelSpacing: [1, 1],
    sliceSpacing,
  } as unknown as SeriesSummary;
}

describe('seriesReport', () => {
  it('rounds the slice spacing to a micrometre', () => {
    // Slice positions of a tilted series, written as decimal strings, give spacings like this one.
    assert.equal(seriesReport(summary(3.99999999999707)).sliceSpacingMm, 4);
    assert.equal(seriesReport(summary(28 / 6)).sliceSpacingMm, 4.667);
  });

  it('keeps a missing slice spacing missing', () => {
    assert.equal(seriesReport(summary(null)).sliceSpacingMm, null);
  });
});

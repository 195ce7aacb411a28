import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifySeries, planeOrientation, type SeriesTraits } from '../../src/input/classify.js';

const sagittal: [number, number, number] = [-1, 0, 0];
const axial: [number, number, number] = [0, 0, 1];
const coronal: [number, number, number] = [0, 1, 0];

function traits(overrides: Partial<SeriesTraits>): SeriesTraits {
  return { modality: 'MR', description: '', imageType: ['ORIGINAL', 'PRIMARY'], sliceCount: 15, normal: sagittal, ...overrides };
}

describe('planeOrientation', () => {
  const cases: { normal: [number, number, number]; orientation: string; oblique: number }[] = [
    { normal: [1, 0, 0], orientation: 'sagittal', oblique: 0 },
    { normal: [-1, 0, 0], orientation: 'sagittal', oblique: 0 },
    { normal: [0, -1, 0], orientation: 'coronal', oblique: 0 },
    { normal: [0, 0, 1], orientation: 'axial', oblique: 0 },
    { normal: [Math.sin(Math.PI / 9), 0, Math.cos(Math.PI / 9)], orientation: 'axial', oblique: 20 },
    { normal: [Math.cos(Math.PI / 6), Math.sin(Math.PI / 6), 0], orientation: 'sagittal', oblique: 30 },
  ];
  for (const testCase of cases) {
    it(`names ${testCase.normal.map((value) => value.toFixed(2)).join(',')} ${testCase.orientation}`, () => {
      const result = planeOrientation(testCase.normal);
      assert.equal(result.orientation, testCase.orientation);
      assert.ok(Math.abs(result.obliqueDegrees - testCase.oblique) < 1e-6, `oblique ${result.obliqueDegrees}`);
    });
  }
});

describe('classifySeries', () => {
  const cases: { name: string; traits: Partial<SeriesTraits>; label: string; weighting: string; source?: string }[] = [
    { name: 'T2 TSE SAG', traits: { description: 'T2 TSE SAG' }, label: 'sagittal-t2', weighting: 't2', source: 'description' },
    { name: 'Siemens t2_tse_sag_384', traits: { description: 't2_tse_sag_384' }, label: 'sagittal-t2', weighting: 't2' },
    { name: 'Philips sT2W_TSE', traits: { description: 'sT2W_TSE' }, label: 'sagittal-t2', weighting: 't2' },
    { name: 'GE SAG T2 FRFSE', traits: { description: 'SAG T2 FRFSE' }, label: 'sagittal-t2', weighting: 't2' },
    { name: 'axial T2', traits: { description: 'AX T2 FSE', normal: axial }, label: 'axial-t2', weighting: 't2' },
    { name: 'sagittal T1', traits: { description: 'SAG T1 TSE' }, label: 'sagittal-t1', weighting: 't1' },
    { name: 'axial T1', traits: { description: 't1_tse_tra', normal: axial }, label: 'other', weighting: 't1' },
    { name: 'STIR over T2', traits: { description: 'T2 STIR SAG' }, label: 'other', weighting: 'stir' },
    { name: 'TIRM', traits: { description: 't2_tirm_sag' }, label: 'other', weighting: 'stir' },
    { name: 'T2 star', traits: { description: 'T2* MEDIC' }, label: 'other', weighting: 't2-star' },
    { name: 'coronal T2', traits: { description: 'COR T2', normal: coronal }, label: 'other', weighting: 't2' },
    { name: 'T2 from TR/TE', traits: { description: 'SPINE SAG', repetitionTime: 3500, echoTime: 110 }, label: 'sagittal-t2', weighting: 't2', source: 'timing' },
    { name: 'T1 from TR/TE', traits: { description: 'SPINE SAG', repetitionTime: 550, echoTime: 12 }, label: 'sagittal-t1', weighting: 't1', source: 'timing' },
    { name: 'PD from TR/TE', traits: { description: '', repetitionTime: 2500, echoTime: 30 }, label: 'other', weighting: 'pd', source: 'timing' },
    { name: 'STIR from TI', traits: { description: '', repetitionTime: 4000, echoTime: 50, inversionTime: 160 }, label: 'other', weighting: 'stir', source: 'timing' },
    { name: 'unknown weighting', traits: { description: 'SAG SPINE' }, label: 'other', weighting: 'unknown', source: 'none' },
    { name: 'protocol name fallback', traits: { description: 'SPINE', protocolName: 'T2_SAG' }, label: 'sagittal-t2', weighting: 't2', source: 'description' },
    { name: 'localizer by ImageType', traits: { description: 'T2 SAG', imageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'] }, label: 'other', weighting: 't2' },
    { name: 'localizer by description', traits: { description: 'Survey_SHC' }, label: 'other', weighting: 'unknown' },
    { name: 'scout', traits: { description: 'T2 SCOUT' }, label: 'other', weighting: 't2' },
    { name: 'three slices', traits: { description: 'T2 TSE SAG', sliceCount: 3 }, label: 'other', weighting: 't2' },
    { name: 'CT', traits: { description: 'T2 SAG', modality: 'CT' }, label: 'other', weighting: 't2' },
    { name: 'no orientation', traits: { description: 'T2 SAG', normal: undefined }, label: 'other', weighting: 't2' },
  ];
  for (const testCase of cases) {
    it(`classifies ${testCase.name}`, () => {
      const result = classifySeries(traits(testCase.traits));
      assert.equal(result.label, testCase.label, result.reasons.join('; '));
      assert.equal(result.weighting, testCase.weighting);
      if (testCase.source !== undefined) assert.equal(result.weightingSource, testCase.source);
    });
  }

  it('explains a localizer first', () => {
    const result = classifySeries(traits({ description: 'LOCALIZER', imageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'], normal: coronal }));
    assert.equal(result.localizer, true);
    assert.equal(result.reasons[0], 'localizer (ImageType LOCALIZER)');
  });

  it('flags fat suppression', () => {
    assert.equal(classifySeries(traits({ description: 'T2 TSE SAG FS' })).fatSuppressed, true);
    assert.equal(classifySeries(traits({ description: 'T2 SPAIR SAG' })).fatSuppressed, true);
    assert.equal(classifySeries(traits({ description: 'T2 TSE SAG' })).fatSuppressed, false);
  });

  it('notes timing that contradicts the description', () => {
    const result = classifySeries(traits({ description: 'T2 TSE SAG', repetitionTime: 500, echoTime: 10 }));
    assert.equal(result.label, 'sagittal-t2');
    assert.ok(result.reasons.includes('although TR 500 ms, TE 10 ms suggests T1'), result.reasons.join('; '));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Vec3 } from '../../src/geometry/affine.js';
import type { DicomFrameHeader } from '../../src/input/dicom/scan.js';
import { dropFramesWithoutGeometry, groupSeries, removeDuplicateInstances, removeRepeatedImages } from '../../src/input/dicom/series.js';

const sagittalOrientation = { row: [0, 1, 0] as Vec3, column: [0, 0, -1] as Vec3 };

function frame(index: number, overrides: Partial<DicomFrameHeader> = {}): DicomFrameHeader {
  return {
    file: `/study/IM${index}`,
    displayPath: `IM${index}`,
    frameIndex: 0,
    frameCount: 1,
    transferSyntaxUid: '1.2.840.10008.1.2.1',
    sopInstanceUid: `2.25.${index}`,
    seriesInstanceUid: '2.25.100',
    studyInstanceUid: '2.25.1',
    frameOfReferenceUid: '2.25.2',
    seriesNumber: 2,
    seriesDescription: 'T2 SAG',
    protocolName: '',
    modality: 'MR',
    imageType: [],
    instanceNumber: index + 1,
    acquisitionNumber: 1,
    echoNumber: undefined,
    repetitionTime: 3000,
    echoTime: 100,
    inversionTime: undefined,
    scanningSequence: [],
    sequenceName: undefined,
    // Slices 4 mm apart towards patient right (-x), which is the normal of the sagittal orientation.
    position: [10 - 4 * index, -50, 60],
    orientation: sagittalOrientation,
    pixelSpacing: [0.5, 0.6],
    sliceThickness: 4,
    spacingBetweenSlices: undefined,
    format: { rows: 20, columns: 30, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 0, samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME2', planarConfiguration: 0 },
    rescaleSlope: 1,
    rescaleIntercept: 0,
    pixelDigest: `digest-${index}`,
    ...overrides,
  };
}

function frames(count: number, overrides: (index: number) => Partial<DicomFrameHeader> = () => ({})): DicomFrameHeader[] {
  return Array.from({ length: count }, (_, index) => frame(index, overrides(index)));
}

describe('groupSeries', () => {
  it('derives the affine of a sagittal stack', () => {
    const [series] = groupSeries(frames(5).reverse());
    assert.ok(series?.geometry !== undefined);
    assert.deepEqual(series.geometry.affine, [0, 0, -4, 10, 0.6, 0, 0, -50, 0, -0.5, 0, 60, 0, 0, 0, 1]);
    assert.deepEqual(series.geometry.normal, [-1, 0, 0]);
    assert.equal(series.geometry.sliceSpacing, 4);
    assert.equal(series.geometry.sliceSpacingSource, 'positions');
    assert.deepEqual(series.frames.map((entry) => entry.instanceNumber), [1, 2, 3, 4, 5]);
    assert.deepEqual(series.warnings, []);
  });

  it('keeps orientations within tolerance together', () => {
    const tilted = { row: [0, 1, 1e-5] as Vec3, column: [0, 1e-5, -1] as Vec3 };
    const result = groupSeries(frames(4, (index) => (index % 2 === 0 ? {} : { orientation: tilted })));
    assert.equal(result.length, 1);
  });

  it('splits different matrix sizes', () => {
    const result = groupSeries(frames(6, (index) => (index < 3 ? {} : { format: { ...frame(0).format, rows: 40 } })));
    assert.deepEqual(result.map((series) => series.id), ['2.25.100#1', '2.25.100#2']);
  });

  it('splits repeated positions by AcquisitionNumber', () => {
    const first = frames(4);
    const second = frames(4, (index) => ({ sopInstanceUid: `2.25.5${index}`, acquisitionNumber: 2 }));
    const result = groupSeries([...first, ...second]);
    assert.equal(result.length, 2);
    assert.ok(result.every((series) => series.problems.length === 0));
  });

  it('reports repeated positions it cannot separate', () => {
    const result = groupSeries([...frames(3), ...frames(3, (index) => ({ sopInstanceUid: `2.25.5${index}`, displayPath: `copy${index}` }))]);
    assert.equal(result.length, 1);
    assert.match(result[0]!.problems[0] ?? '', /have the same slice position/);
    assert.equal(result[0]!.geometry, undefined);
  });

  it('warns about a missing slice with the largest offset', () => {
    const result = groupSeries(frames(6).filter((_, index) => index !== 2));
    const warning = result[0]!.warnings[0];
    assert.equal(warning?.code, 'NON_UNIFORM_SPACING');
    // Gaps 4, 8, 4, 4 over 20 mm give a 5 mm mean; the slice after the gap sits 2 mm from its uniform place.
    assert.match(warning?.message ?? '', /from 4\.00 to 8\.00 mm.*mean spacing 5\.00 mm.*off by up to 2\.00 mm/);
  });

  it('tolerates small position jitter', () => {
    const result = groupSeries(frames(5, (index) => ({ position: [10 - 4 * index + (index % 2) * 0.04, -50, 60] })));
    assert.deepEqual(result[0]!.warnings, []);
  });

  it('warns about slices that drift in plane', () => {
    const result = groupSeries(frames(5, (index) => ({ position: [10 - 4 * index, -50 + 0.5 * index, 60] })));
    assert.equal(result[0]!.warnings[0]?.code, 'SHEARED_SLICES');
    assert.match(result[0]!.warnings[0]?.message ?? '', /drift 2\.00 mm/);
  });

  const problemCases: { name: string; overrides: Partial<DicomFrameHeader>; pattern: RegExp }[] = [
    { name: 'missing orientation', overrides: { orientation: undefined }, pattern: /ImageOrientationPatient is missing/ },
    { name: 'skewed cosines', overrides: { orientation: { row: [0, 1, 0], column: [0, 0.5, -1] } }, pattern: /not perpendicular/ },
    { name: 'missing pixel spacing', overrides: { pixelSpacing: undefined }, pattern: /PixelSpacing is missing/ },
    { name: 'missing position', overrides: { position: undefined }, pattern: /ImagePositionPatient is missing or invalid in all 3 slices/ },
  ];
  for (const problemCase of problemCases) {
    it(`reports ${problemCase.name}`, () => {
      const result = groupSeries(frames(3, () => problemCase.overrides));
      assert.equal(result.length, 1);
      assert.equal(result[0]!.geometry, undefined);
      assert.match(result[0]!.problems[0] ?? '', problemCase.pattern);
    });
  }

  const singleCases: { name: string; overrides: Partial<DicomFrameHeader>; spacing: number; source: string }[] = [
    { name: 'SpacingBetweenSlices', overrides: { spacingBetweenSlices: 5, sliceThickness: 4 }, spacing: 5, source: 'SpacingBetweenSlices' },
    { name: 'SliceThickness', overrides: { spacingBetweenSlices: undefined, sliceThickness: 3 }, spacing: 3, source: 'SliceThickness' },
    { name: 'neither', overrides: { spacingBetweenSlices: undefined, sliceThickness: undefined }, spacing: 1, source: 'default' },
  ];
  for (const singleCase of singleCases) {
    it(`spaces a single slice by ${singleCase.name}`, () => {
      const [series] = groupSeries([frame(0, singleCase.overrides)]);
      assert.equal(series?.geometry?.sliceSpacing, singleCase.spacing);
      assert.equal(series?.geometry?.sliceSpacingSource, singleCase.source);
    });
  }
});

describe('removeDuplicateInstances', () => {
  it('keeps the first copy of each SOP instance and frame', () => {
    const original = frames(3);
    const copy = frame(1, { displayPath: 'copy' });
    const result = removeDuplicateInstances([...original, copy]);
    assert.deepEqual(result.unique.map((entry) => entry.displayPath), ['IM0', 'IM1', 'IM2']);
    assert.deepEqual(result.duplicates.map((entry) => entry.displayPath), ['copy']);
  });
});

describe('dropFramesWithoutGeometry', () => {
  const defects: { name: string; overrides: Partial<DicomFrameHeader>; reason: RegExp }[] = [
    { name: 'no position', overrides: { position: undefined }, reason: /^ImagePositionPatient is missing/ },
    { name: 'no pixel spacing', overrides: { pixelSpacing: undefined }, reason: /^PixelSpacing is missing or not positive/ },
    { name: 'zero pixel spacing', overrides: { pixelSpacing: [0, 0.6] }, reason: /^PixelSpacing is missing or not positive/ },
    { name: 'no orientation', overrides: { orientation: undefined }, reason: /^ImageOrientationPatient is missing/ },
    {
      name: 'skewed orientation',
      overrides: { orientation: { row: [0, 1, 0], column: [0, 0.5, -1] } },
      reason: /^ImageOrientationPatient row and column cosines are not perpendicular/,
    },
  ];
  for (const defect of defects) {
    it(`drops a frame with ${defect.name}`, () => {
      const input = frames(5, (index) => (index === 2 ? defect.overrides : {}));

      const { kept, dropped } = dropFramesWithoutGeometry(input);

      assert.deepEqual(kept.map((entry) => entry.displayPath), ['IM0', 'IM1', 'IM3', 'IM4']);
      assert.deepEqual(dropped.map((entry) => entry.frame.displayPath), ['IM2']);
      assert.match(dropped[0]!.reason, defect.reason);
      assert.match(dropped[0]!.reason, /unlike in the other slices of series 2 "T2 SAG", so this slice is left out of the series$/);
      const [series] = groupSeries(kept);
      assert.deepEqual(series?.problems, []);
    });
  }

  it('keeps a series in which no frame has a position', () => {
    const input = [...frames(3, () => ({ position: undefined })), ...frames(2, (index) => ({ seriesInstanceUid: '2.25.200', sopInstanceUid: `2.25.9${index}` }))];

    const { kept, dropped } = dropFramesWithoutGeometry(input);

    assert.equal(kept.length, 5);
    assert.deepEqual(dropped, []);
    const series = groupSeries(kept);
    assert.deepEqual(series.map((entry) => entry.problems), [['ImagePositionPatient is missing or invalid in all 3 slices, so the slice order is unknown'], []]);
  });

  it('names the frame of a multi-frame file', () => {
    const input = frames(4, (index) => ({ file: '/study/enhanced', displayPath: 'enhanced', frameIndex: index, frameCount: 4, ...(index === 1 ? { position: undefined } : {}) }));

    const { dropped } = dropFramesWithoutGeometry(input);

    assert.equal(dropped.length, 1);
    assert.match(dropped[0]!.reason, /^frame 2 of 4: ImagePositionPatient is missing/);
  });
});

describe('removeRepeatedImages', () => {
  it('drops an image sent twice', () => {
    const list = frames(4);
    // The third slice sent again under a new SOPInstanceUID, and a different image at the same position.
    const resent = frame(2, { file: '/study/IM2-again', displayPath: 'IM2-again', sopInstanceUid: '2.25.99' });
    const other = frame(3, { file: '/study/IM3-echo2', displayPath: 'IM3-echo2', sopInstanceUid: '2.25.98', pixelDigest: 'digest-other' });

    const { unique, repeats } = removeRepeatedImages([...list, resent, other]);

    assert.deepEqual(
      unique.map((entry) => entry.displayPath),
      ['IM0', 'IM1', 'IM2', 'IM3', 'IM3-echo2'],
    );
    assert.deepEqual(
      repeats.map(({ frame: entry, original }) => [entry.displayPath, original.displayPath]),
      [['IM2-again', 'IM2']],
    );
  });

  it('matches a cosine of -0.00001 with 0', () => {
    const list = frames(2);
    const resent = frame(1, { file: '/study/IM1-again', displayPath: 'IM1-again', sopInstanceUid: '2.25.99', orientation: { row: [-0.00001, 1, 0], column: [0, 0, -1] } });

    const { repeats } = removeRepeatedImages([...list, resent]);

    assert.deepEqual(
      repeats.map(({ frame: entry }) => entry.displayPath),
      ['IM1-again'],
    );
  });

  it('keeps frames without a digest', () => {
    const list = frames(2, () => ({ pixelDigest: undefined, position: [10, -50, 60] }));
    assert.equal(removeRepeatedImages(list).unique.length, 2);
  });
});

describe('groupSeries with a degenerate orientation', () => {
  it('keeps the slices in one unusable series', () => {
    const zero = { row: [0, 0, 0] as Vec3, column: [0, 0, 0] as Vec3 };

    const series = groupSeries(frames(5, () => ({ orientation: zero })));

    assert.equal(series.length, 1);
    assert.equal(series[0]!.frames.length, 5);
    assert.ok(series[0]!.problems.some((problem) => /ImageOrientationPatient/.test(problem)), series[0]!.problems.join('; '));
  });
});

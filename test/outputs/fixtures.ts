import { resultsFormat, type AnalysisResult, type LevelReport } from '../../src/pipeline/result.js';

/** Builds a hand-made result for the output tests: one measured level, and one unmeasured with low confidence. */
export function sampleResult(overrides: Partial<AnalysisResult> = {}): AnalysisResult {
  const levels: LevelReport[] = [
    {
      level: 'L4-L5',
      center: [1.25, 32.04, -80.46],
      normal: [0, -0.26, 0.97],
      confidence: 0.912,
      measurements: { anteriorHeightMm: 11.84, middleHeightMm: 10.26, posteriorHeightMm: 6.5, discHeightIndex: 0.2513 },
    },
    {
      level: 'L5-S1',
      center: [-0.5, 41.5, -112.0],
      normal: [0, -0.5, 0.87],
      confidence: 0.312,
      measurements: null,
    },
  ];
  return {
    format: resultsFormat,
    deepspineVersion: '0.1.0',
    input: { kind: 'dicom', skippedFiles: [] },
    series: {
      sagittal: {
        id: '1.2.3',
        seriesInstanceUid: '1.2.3',
        seriesNumber: 3,
        description: 'T2 SAG',
        classification: 'sagittal-t2',
        slices: 15,
        pixelSpacingMm: [0.6875, 0.6875],
        sliceSpacingMm: 4,
      },
      axial: null,
      all: [],
    },
    models: { segmentation: { file: 'models/segmentation.onnx', sha256: 'abc123' } },
    levels,
    vertebrae: [{ name: 'L5', center: [0, 30, -95], confidence: 0.9 }],
    imageContrast: { bodyIntensity: 0.21, trainingBodyIntensity: { min: 0.067, max: 0.539, cases: 3, values: [0.067, 0.216, 0.539] }, distanceToTraining: 0.006, likeTraining: true },
    warnings: [{ code: 'SACRUM_NOT_IN_VIEW', message: 'the image ends 12 mm below the lowest disc' }],
    timingsMs: { segmentation: 1200, total: 1500 },
    outputs: { results: 'results.json', segmentation: 'segmentation.nii.gz', overlay: 'overlay.png' },
    ...overrides,
  };
}

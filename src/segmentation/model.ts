import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { DeepspineError } from '../errors.js';

/** Root of the installed package, where models/ sits beside dist/. */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const defaultSegmentationModelPath = resolve(packageRoot, 'models', 'segmentation', 'segmentation.onnx');

/** Format tag of the sidecar that the Python export writes beside the segmentation ONNX file. */
export const segmentationModelFormat = 'deepspine-segmentation-model/1';

/**
 * Sidecar `NAME.json` beside `NAME.onnx`, with the preprocessing the network was trained with, so
 * that a model trained on planes of another spacing runs without a change to the product.
 */
export interface SegmentationModelInfo {
  readonly format: typeof segmentationModelFormat;
  /** In-plane spacing in mm of the planes the network was trained on. */
  readonly spacingMm: number;
  /** Vertebral body intensity of the training cases; absent in sidecars written before it was recorded. */
  readonly bodyIntensity?: TrainingBodyIntensity;
}

/**
 * Median vertebral body intensity, in the series window (`medianWindowedIntensity`), of each
 * training case that labels bodies. Level finding compares a study's body intensity with these
 * values to tell a contrast the network never saw.
 */
export interface TrainingBodyIntensity {
  /** Lowest of `values`. */
  readonly min: number;
  /** Highest of `values`. */
  readonly max: number;
  /** Number of training cases, the length of `values`. */
  readonly cases: number;
  /** One value per training case, in ascending order. */
  readonly values: readonly number[];
}

/** A loaded segmentation network: input (N, 1, H, W) normalised planes, output (N, 2, H, W) probabilities. */
export interface SegmentationModel {
  readonly path: string;
  /** Every sagittal plane is resampled to this in-plane spacing (mm) before the network. */
  readonly spacingMm: number;
  /** Body intensity of the training cases, from the sidecar; null when it records none. */
  readonly bodyIntensity: TrainingBodyIntensity | null;
  /** Runs a batch of planes of one size; returns channel-major probabilities per plane. */
  run(batch: Float32Array, count: number, height: number, width: number): Promise<Float32Array>;
  release(): Promise<void>;
}

/**
 * Range of plane spacings in mm that a sidecar may state. Sagittal MRI pixels are usually about 0.3
 * to 1.5 mm (an estimate), so a value outside this range means a broken file: a tiny spacing makes
 * planes of billions of pixels, and a huge one leaves a few pixels per plane.
 */
export const segmentationSpacingRangeMm = { min: 0.25, max: 4 } as const;

/** Path of the sidecar of a segmentation model: the ONNX path with `.json` for `.onnx` (any case), else with `.json` appended, as the Python export names it. */
export function segmentationSidecarPath(onnxPath: string): string {
  return onnxPath.replace(/\.onnx$/i, '') + '.json';
}

/** Returns the rule that a plane spacing breaks, or null when it is a number within segmentationSpacingRangeMm. */
export function checkSpacingMm(value: unknown): string | null {
  const { min, max } = segmentationSpacingRangeMm;
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number of mm';
  if (value < min || value > max) return `must lie between ${min} and ${max} mm`;
  return null;
}

/**
 * Reads and checks the sidecar of a segmentation model.
 * @throws DeepspineError MODEL_FAILED naming the sidecar when it is missing or invalid.
 */
export async function readSegmentationModelInfo(onnxPath: string): Promise<SegmentationModelInfo> {
  if (/\.json$/i.test(onnxPath)) {
    throw new DeepspineError('MODEL_FAILED', `${onnxPath}: this is a sidecar; pass the .onnx model file beside it`, { file: onnxPath });
  }
  const path = segmentationSidecarPath(onnxPath);
  if (!existsSync(path)) {
    throw new DeepspineError(
      'MODEL_FAILED',
      `${path}: sidecar of the segmentation model not found; it belongs beside ${onnxPath} (reinstall deepspine for the shipped model; python -m deepspine_training.segmentation.export writes it for a trained one)`,
      { file: path },
    );
  }
  let info: unknown;
  try {
    info = JSON.parse((await readFile(path, 'utf8')).replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new DeepspineError('MODEL_FAILED', `${path}: invalid segmentation model sidecar (${String(error)})`, { file: path, cause: error });
  }
  if (typeof info !== 'object' || info === null || Array.isArray(info)) {
    throw new DeepspineError('MODEL_FAILED', `${path}: the segmentation model sidecar must be a JSON object, got ${JSON.stringify(info)}`, { file: path });
  }
  const { format, spacingMm, bodyIntensity } = info as Record<string, unknown>;
  if (format !== segmentationModelFormat) {
    throw new DeepspineError('MODEL_FAILED', `${path}: expected format ${segmentationModelFormat}, got ${JSON.stringify(format) ?? 'none'}`, { file: path });
  }
  const problem = checkSpacingMm(spacingMm);
  if (problem !== null) {
    throw new DeepspineError('MODEL_FAILED', `${path}: spacingMm ${problem}, got ${JSON.stringify(spacingMm) ?? 'none'}`, { file: path });
  }
  if (bodyIntensity === undefined) return { format: segmentationModelFormat, spacingMm: spacingMm as number };
  const rangeProblem = checkTrainingBodyIntensity(bodyIntensity);
  if (rangeProblem !== null) {
    throw new DeepspineError('MODEL_FAILED', `${path}: bodyIntensity ${rangeProblem}, got ${JSON.stringify(bodyIntensity)}`, { file: path });
  }
  return { format: segmentationModelFormat, spacingMm: spacingMm as number, bodyIntensity: bodyIntensity as TrainingBodyIntensity };
}

/** Returns the rule that a sidecar's bodyIntensity breaks, or null when it is valid. */
function checkTrainingBodyIntensity(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object { min, max, cases, values }';
  const { min, max, cases, values } = value as Record<string, unknown>;
  // applyIntensityWindow clips to [-0.5, 2], so a median outside it cannot come from real planes.
  const inWindow = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= -0.5 && v <= 2;
  if (!Array.isArray(values) || values.length === 0 || !values.every(inWindow)) return 'needs values, a list of numbers between -0.5 and 2';
  if (values.some((v, index) => index > 0 && v < values[index - 1])) return 'needs values in ascending order';
  if (cases !== values.length) return `needs cases equal to the number of values (${values.length})`;
  if (min !== values[0] || max !== values[values.length - 1]) return 'needs min and max equal to the first and last of values';
  return null;
}

/**
 * Loads the ONNX segmentation network with onnxruntime-node on the CPU, and its sidecar.
 * @throws DeepspineError MODEL_FAILED when a file is missing or not a valid model.
 */
export async function loadSegmentationModel(path: string = defaultSegmentationModelPath, threads = 0): Promise<SegmentationModel> {
  if (!existsSync(path)) {
    const hint = path === defaultSegmentationModelPath ? 'reinstall deepspine or pass --model' : 'check the --model path';
    throw new DeepspineError('MODEL_FAILED', `${path}: segmentation model not found; ${hint}`, { file: path });
  }
  const { spacingMm, bodyIntensity } = await readSegmentationModelInfo(path);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
    });
  } catch (error) {
    throw new DeepspineError('MODEL_FAILED', `${path}: loading the segmentation model failed (${String(error)})`, { file: path, cause: error });
  }
  if (session.inputNames.length !== 1 || session.outputNames.length < 1) {
    const inputs = session.inputNames.join(', ');
    await session.release();
    throw new DeepspineError('MODEL_FAILED', `${path}: a segmentation model has one input (image), this one has ${inputs || 'none'}; is it another model?`, { file: path });
  }
  const inputName = session.inputNames[0]!;
  const outputName = session.outputNames[0]!;
  return {
    path,
    spacingMm,
    bodyIntensity: bodyIntensity ?? null,
    async run(batch, count, height, width) {
      const input = new ort.Tensor('float32', batch, [count, 1, height, width]);
      let outputs: ort.InferenceSession.ReturnType;
      try {
        outputs = await session.run({ [inputName]: input });
      } catch (error) {
        throw new DeepspineError('MODEL_FAILED', `${path}: the segmentation model failed on planes of ${height}x${width} pixels (${String(error)})`, { file: path, cause: error });
      }
      const output = outputs[outputName];
      if (output === undefined || output.dims.length !== 4 || output.dims[1] !== 2) {
        throw new DeepspineError('MODEL_FAILED', `${path}: expected an output of shape (N, 2, H, W), got ${output?.dims.join('x') ?? 'none'}`, { file: path });
      }
      const data = output.data as Float32Array;
      // A network whose training diverged gives NaN, which would read as "no disc found" and blame the scan.
      if (!data.every(Number.isFinite)) {
        throw new DeepspineError('MODEL_FAILED', `${path}: the segmentation model gives values that are not finite numbers (NaN or infinity); its weights are broken, as after a training run that diverged`, { file: path });
      }
      return data;
    },
    release: () => session.release(),
  };
}

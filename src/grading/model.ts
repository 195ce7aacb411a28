import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { CropSpec, DiscCrops } from '../crops/extract.js';
import { readNpyFloat32 } from '../crops/npy.js';
import { DeepspineError } from '../errors.js';

/** One output of the grading model as the sidecar `grading.json` describes it. */
export interface GradingHead {
  readonly name: string;
  readonly kind: 'binary' | 'multiclass';
  /** Class names in output order. Binary heads list ["absent", "present"]. */
  readonly classes: readonly string[];
  /** Label value of each class (Pfirrmann 1-5, Modic 0-3, 0/1 for binary heads). */
  readonly values: readonly number[];
  readonly description: string;
  /** False when the head had no real labels to learn from, so its outputs are not findings. */
  readonly trained: boolean;
  readonly trainingLabelCounts: readonly number[];
}

/** The sidecar that the Python export writes beside the ONNX file. */
export interface GradingModelInfo {
  readonly format: string;
  readonly onnx: string;
  readonly inputs: Readonly<Record<'sagittal' | 'axial' | 'has_axial', readonly (number | string)[]>>;
  readonly heads: readonly GradingHead[];
  /** False when no training sample had an axial crop, so inference ignores axial crops. */
  readonly axialBranchTrained: boolean;
  readonly cropSpec: CropSpec;
}

/** Model outputs for one disc: per head, the probability of "present" or one probability per class. */
export interface DiscGrades {
  readonly level: string;
  readonly probabilities: Readonly<Record<string, readonly number[]>>;
  /** True when the axial crop was fed to the model. */
  readonly usedAxial: boolean;
  /** Reason that no axial crop was fed to the model, or null exactly when `usedAxial` is true. */
  readonly axialMissingReason: string | null;
}

/** `axialMissingReason` of a disc whose axial crop was left out because the model never learned to use one. */
export const axialBranchNotTrainedReason = 'the grading model was trained without axial crops, so it ignores them';

/** `axialMissingReason` of a disc given without an axial crop and without a reason. */
const noAxialCropReason = 'no axial crop was given';

export const gradingModelFormat = 'deepspine-grading-model/1';

/** Folder of the shipped grading model, found from this file's place in dist/src/grading/. */
export const defaultGradingModelPath = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'models', 'grading', 'grading.onnx');

/** The grading network in onnxruntime-node with the facts from its sidecar. */
export class GradingModel {
  readonly info: GradingModelInfo;
  private readonly session: ort.InferenceSession;

  private constructor(info: GradingModelInfo, session: ort.InferenceSession) {
    this.info = info;
    this.session = session;
  }

  /**
   * Loads the ONNX model and its sidecar (same path with `.json`).
   * @throws DeepspineError MODEL_FAILED naming the file when either is missing or invalid.
   */
  static async load(onnxPath: string = defaultGradingModelPath): Promise<GradingModel> {
    const sidecarPath = onnxPath.replace(/\.onnx$/, '') + '.json';
    for (const path of [onnxPath, sidecarPath]) {
      if (!existsSync(path)) throw new DeepspineError('MODEL_FAILED', `${path}: grading model file not found; reinstall deepspine or pass the model path`, { file: path });
    }
    let info: GradingModelInfo;
    try {
      info = JSON.parse(await readFile(sidecarPath, 'utf8')) as GradingModelInfo;
    } catch (error) {
      throw new DeepspineError('MODEL_FAILED', `${sidecarPath}: invalid grading model sidecar (${String(error)})`, { file: sidecarPath, cause: error });
    }
    if (info === null || typeof info !== 'object' || info.format !== gradingModelFormat) {
      throw new DeepspineError('MODEL_FAILED', `${sidecarPath}: expected format ${gradingModelFormat}, got ${String((info as { format?: unknown } | null)?.format)}`, { file: sidecarPath });
    }
    const problem = sidecarProblem(info);
    if (problem !== null) throw new DeepspineError('MODEL_FAILED', `${sidecarPath}: invalid grading model sidecar: ${problem}`, { file: sidecarPath });
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(onnxPath);
    } catch (error) {
      throw new DeepspineError('MODEL_FAILED', `${onnxPath}: onnxruntime cannot load the grading model (${String(error)})`, { file: onnxPath, cause: error });
    }
    const missing = info.heads.map((h) => h.name).filter((name) => !session.outputNames.includes(name));
    if (missing.length > 0) {
      throw new DeepspineError('MODEL_FAILED', `${onnxPath}: outputs ${missing.join(', ')} listed in the sidecar are missing from the graph`, { file: onnxPath });
    }
    const model = new GradingModel(info, session);
    await model.checkOutputWidths(onnxPath, sidecarPath);
    return model;
  }

  /**
   * Runs one blank disc through the graph and checks that every head gives as many values as the
   * sidecar has classes (one for a binary head). A sidecar that lists other classes than the graph
   * was trained with would otherwise put probabilities under the wrong class names.
   * @throws DeepspineError MODEL_FAILED naming both files.
   */
  private async checkOutputWidths(onnxPath: string, sidecarPath: string): Promise<void> {
    const size = (name: 'sagittal' | 'axial' | 'has_axial'): number => this.info.inputs[name].slice(1).reduce<number>((a, b) => a * Number(b), 1);
    let outputs: Record<string, Float32Array>;
    try {
      outputs = await this.run({ sagittal: new Float32Array(size('sagittal')), axial: new Float32Array(size('axial')), hasAxial: new Float32Array(size('has_axial')) }, 1);
    } catch (error) {
      throw new DeepspineError('MODEL_FAILED', `${onnxPath}: the grading model does not run on the input sizes in ${sidecarPath} (${error instanceof Error ? error.message : String(error)})`, { file: onnxPath, cause: error });
    }
    for (const head of this.info.heads) {
      const width = head.kind === 'binary' ? 1 : head.classes.length;
      const values = outputs[head.name]!;
      if (values.length !== width) {
        throw new DeepspineError('MODEL_FAILED', `${sidecarPath}: head ${head.name} lists ${width === 1 ? 'a binary output' : `${width} classes`}, but ${onnxPath} gives ${values.length} values per disc`, { file: sidecarPath });
      }
      // Weights left broken by a training run that diverged give NaN for any input, which would read as a grade.
      if (!values.every(Number.isFinite)) {
        throw new DeepspineError('MODEL_FAILED', `${onnxPath}: head ${head.name} gives values that are not finite numbers (NaN or infinity); the model's weights are broken, as after a training run that diverged`, { file: onnxPath });
      }
    }
  }

  /**
   * Runs raw float32 inputs through the graph. Shapes: sagittal (n, S, H, W), axial (n, A, H', W'),
   * hasAxial (n, 1). Returns each head's output data, row-major.
   */
  async run(inputs: { sagittal: Float32Array; axial: Float32Array; hasAxial: Float32Array }, batch: number): Promise<Record<string, Float32Array>> {
    const dims = (name: 'sagittal' | 'axial' | 'has_axial'): number[] => [batch, ...this.info.inputs[name].slice(1).map(Number)];
    const feeds = {
      sagittal: new ort.Tensor('float32', inputs.sagittal, dims('sagittal')),
      axial: new ort.Tensor('float32', inputs.axial, dims('axial')),
      has_axial: new ort.Tensor('float32', inputs.hasAxial, dims('has_axial')),
    };
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await this.session.run(feeds);
    } catch (error) {
      throw new DeepspineError('MODEL_FAILED', `grading model failed on a batch of ${batch}: ${String(error)}`, { cause: error });
    }
    const outputs: Record<string, Float32Array> = {};
    for (const head of this.info.heads) outputs[head.name] = results[head.name]!.data as Float32Array;
    return outputs;
  }

  /**
   * Grades every disc in one batch. Axial crops are used only when the model's axial branch was
   * trained. Otherwise every disc is graded as if its axial series were missing. A disc without an
   * axial crop keeps the crop's own `axialMissingReason`, and one whose crop is ignored gets
   * `axialBranchNotTrainedReason`.
   * @throws RangeError when a crop's size differs from the model's crop spec.
   */
  async grade(discs: readonly DiscCrops[]): Promise<DiscGrades[]> {
    if (discs.length === 0) return [];
    const sagittalShape = this.info.inputs.sagittal.slice(1).map(Number);
    const axialShape = this.info.inputs.axial.slice(1).map(Number);
    const sagittalSize = sagittalShape.reduce((a, b) => a * b, 1);
    const axialSize = axialShape.reduce((a, b) => a * b, 1);
    const sagittal = new Float32Array(discs.length * sagittalSize);
    const axial = new Float32Array(discs.length * axialSize);
    const hasAxial = new Float32Array(discs.length);
    const usedAxial: boolean[] = [];
    const axialMissingReasons: (string | null)[] = [];

    discs.forEach((disc, n) => {
      if (disc.sagittal.data.length !== sagittalSize) {
        throw new RangeError(`sagittal crop of ${disc.level.level} has ${disc.sagittal.data.length} values, the model expects ${sagittalShape.join('x')}`);
      }
      sagittal.set(disc.sagittal.data, n * sagittalSize);
      const useAxial = disc.axial !== null && this.info.axialBranchTrained;
      if (useAxial && disc.axial !== null) {
        if (disc.axial.data.length !== axialSize) {
          throw new RangeError(`axial crop of ${disc.level.level} has ${disc.axial.data.length} values, the model expects ${axialShape.join('x')}`);
        }
        axial.set(disc.axial.data, n * axialSize);
        hasAxial[n] = 1;
      }
      usedAxial.push(useAxial);
      if (useAxial) axialMissingReasons.push(null);
      else if (disc.axial === null) axialMissingReasons.push(disc.axialMissingReason ?? noAxialCropReason);
      else axialMissingReasons.push(axialBranchNotTrainedReason);
    });

    const outputs = await this.run({ sagittal, axial, hasAxial }, discs.length);
    for (const head of this.info.heads) {
      if (!outputs[head.name]!.every(Number.isFinite)) {
        throw new DeepspineError('MODEL_FAILED', `grading model head ${head.name} gave values that are not finite numbers (NaN or infinity) on a batch of ${discs.length} discs`);
      }
    }
    return discs.map((disc, n) => {
      const probabilities: Record<string, number[]> = {};
      for (const head of this.info.heads) {
        const width = head.kind === 'binary' ? 1 : head.classes.length;
        probabilities[head.name] = Array.from(outputs[head.name]!.subarray(n * width, (n + 1) * width));
      }
      return { level: disc.level.level, probabilities, usedAxial: usedAxial[n]!, axialMissingReason: axialMissingReasons[n] ?? null };
    });
  }
}

/**
 * Returns what makes a grading sidecar unusable, or null: the heads and their classes, the input
 * shapes and the crop settings that inference reads, and that each input has the size of its crop.
 */
function sidecarProblem(info: GradingModelInfo): string | null {
  if (!Array.isArray(info.heads) || info.heads.length === 0) return '"heads" must be a non-empty list';
  for (const [index, head] of info.heads.entries()) {
    const name = typeof head?.name === 'string' && head.name !== '' ? head.name : null;
    if (name === null) return `heads[${index}] has no name`;
    if (head.kind !== 'binary' && head.kind !== 'multiclass') return `head ${name}: "kind" must be "binary" or "multiclass"`;
    if (!Array.isArray(head.classes) || head.classes.length < 2 || !head.classes.every((c: unknown) => typeof c === 'string')) return `head ${name}: "classes" must list at least two names`;
    if (head.kind === 'binary' && head.classes.length !== 2) return `head ${name}: a binary head has two classes`;
    if (!Array.isArray(head.values) || head.values.length !== head.classes.length || !head.values.every(Number.isFinite)) return `head ${name}: "values" must give a number for each class`;
    if (typeof head.trained !== 'boolean') return `head ${name}: "trained" must be true or false`;
  }
  const inputs = info.inputs as Partial<GradingModelInfo['inputs']> | undefined;
  const ranks = { sagittal: 4, axial: 4, has_axial: 2 } as const;
  for (const [name, rank] of Object.entries(ranks) as [keyof typeof ranks, number][]) {
    const shape = inputs?.[name];
    if (!Array.isArray(shape) || shape.length !== rank || !shape.slice(1).every((n) => Number.isInteger(Number(n)) && Number(n) > 0)) {
      return `"inputs.${name}" must be a shape of ${rank} dimensions, the first the batch`;
    }
  }
  if (info.cropSpec?.sagittal === undefined || info.cropSpec.axial === undefined || info.cropSpec.intensity === undefined) {
    return '"cropSpec" must give the sagittal and axial grids and the intensity window';
  }
  for (const view of ['sagittal', 'axial'] as const) {
    const grid = info.cropSpec[view];
    const expected = [grid.slices, grid.height, grid.width];
    if (inputs![view]!.slice(1).some((n, axis) => Number(n) !== expected[axis])) {
      return `"inputs.${view}" (${inputs![view]!.slice(1).join(' x ')}) does not match the ${view} crop of "cropSpec" (${expected.join(' x ')})`;
    }
  }
  return null;
}

/** Largest absolute difference per output between onnxruntime-node and a stored PyTorch reference. */
export interface ParityReport {
  readonly samples: number;
  readonly maxAbsDifference: Record<string, number>;
}

/**
 * Runs the model on the inputs that the Python export stored in `referenceDir` (input_*.npy) and
 * compares each output with the stored PyTorch probabilities (output_*.npy).
 */
export async function compareWithReference(model: GradingModel, referenceDir: string): Promise<ParityReport> {
  const reference = JSON.parse(await readFile(join(referenceDir, 'reference.json'), 'utf8')) as { outputs: string[]; samples: number };
  const sagittal = await readNpyFloat32(join(referenceDir, 'input_sagittal.npy'));
  const axial = await readNpyFloat32(join(referenceDir, 'input_axial.npy'));
  const hasAxial = await readNpyFloat32(join(referenceDir, 'input_has_axial.npy'));
  const outputs = await model.run({ sagittal: sagittal.data, axial: axial.data, hasAxial: hasAxial.data }, reference.samples);
  const maxAbsDifference: Record<string, number> = {};
  for (const name of reference.outputs) {
    const expected = await readNpyFloat32(join(referenceDir, `output_${name}.npy`));
    const actual = outputs[name];
    if (!actual || actual.length !== expected.data.length) {
      throw new RangeError(`output ${name}: onnxruntime gave ${actual?.length ?? 0} values, the reference has ${expected.data.length}`);
    }
    let max = 0;
    for (let i = 0; i < actual.length; i++) max = Math.max(max, Math.abs(actual[i]! - expected.data[i]!));
    maxAbsDifference[name] = max;
  }
  return { samples: reference.samples, maxAbsDifference };
}

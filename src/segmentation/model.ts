import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { DeepspineError } from '../errors.js';

/** Root of the installed package, where models/ sits beside dist/. */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const defaultSegmentationModelPath = resolve(packageRoot, 'models', 'segmentation', 'segmentation.onnx');

/** A loaded segmentation network: input (N, 1, H, W) normalised planes, output (N, 2, H, W) probabilities. */
export interface SegmentationModel {
  readonly path: string;
  /** Runs a batch of planes of one size; returns channel-major probabilities per plane. */
  run(batch: Float32Array, count: number, height: number, width: number): Promise<Float32Array>;
  release(): Promise<void>;
}

/**
 * Loads the ONNX segmentation network with onnxruntime-node on the CPU.
 * @throws DeepspineError MODEL_FAILED when the file is missing or not a valid model.
 */
export async function loadSegmentationModel(path: string = defaultSegmentationModelPath, threads = 0): Promise<SegmentationModel> {
  if (!existsSync(path)) {
    throw new DeepspineError('MODEL_FAILED', `${path}: segmentation model not found; reinstall deepspine or pass --model`, { file: path });
  }
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
  const inputName = session.inputNames[0]!;
  const outputName = session.outputNames[0]!;
  return {
    path,
    async run(batch, count, height, width) {
      const input = new ort.Tensor('float32', batch, [count, 1, height, width]);
      const outputs = await session.run({ [inputName]: input });
      const output = outputs[outputName];
      if (output === undefined || output.dims.length !== 4 || output.dims[1] !== 2) {
        throw new DeepspineError('MODEL_FAILED', `${path}: expected an output of shape (N, 2, H, W), got ${output?.dims.join('x') ?? 'none'}`, { file: path });
      }
      return output.data as Float32Array;
    },
    release: () => session.release(),
  };
}

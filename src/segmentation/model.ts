import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { DeepspineError } from '../errors.js';
import type { InputChannels } from './preprocess.js';

/** Root of the installed package, where models/ sits beside dist/. */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const defaultSegmentationModelPath = resolve(packageRoot, 'models', 'segmentation', 'segmentation.onnx');

/**
 * A loaded segmentation network: input (N, C, H, W) normalised planes, output (N, 2, H, W)
 * probabilities. C is 1 (the plane) or 3 (the plane between its neighbours, see networkInputPlanes).
 */
export interface SegmentationModel {
  readonly path: string;
  readonly inputChannels: InputChannels;
  /** Runs a batch of `count` inputs of one size, channels of each input back to back; returns channel-major probabilities per input. */
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
  const inputChannels = readInputChannels(session, path);
  return {
    path,
    inputChannels,
    async run(batch, count, height, width) {
      const input = new ort.Tensor('float32', batch, [count, inputChannels, height, width]);
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

/** Reads C of the model's (N, C, H, W) input; models exported before 2.5-D input have C = 1. */
function readInputChannels(session: ort.InferenceSession, path: string): InputChannels {
  const metadata = session.inputMetadata[0];
  const channels = metadata !== undefined && metadata.isTensor ? metadata.shape[1] : undefined;
  if (channels === 1 || channels === 3) return channels;
  throw new DeepspineError('MODEL_FAILED', `${path}: invalid model input, expected shape (N, 1, H, W) or (N, 3, H, W), got ${String(channels)} channels; export the checkpoint with deepspine_training.segmentation.export`, { file: path });
}

import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { CropSpec } from '../crops/extract.js';
import { DeepspineError } from '../errors.js';
import { fileSha256 } from '../hash.js';
import { checkSpacingMm, defaultSegmentationModelPath, readSegmentationModelInfo, type TrainingBodyIntensity } from '../segmentation/model.js';
import { compareText } from './study-list.js';

/**
 * Origin of a study result: the segmentation model, identified by the SHA-256 of its file and the
 * plane spacing and training body intensities of its sidecar, and the crop settings. The dataset join combines only results whose
 * provenance is equal.
 */
export interface DatasetProvenance {
  /** SHA-256 of the segmentation ONNX file's bytes, as 64 lowercase hex digits. */
  readonly segmentationModelSha256: string;
  /**
   * Plane spacing in mm from the model's sidecar. The same ONNX file run on planes of another
   * spacing segments differently, so a sidecar edited or exported again makes another model.
   */
  readonly segmentationSpacingMm: number;
  /**
   * Training body intensities from the model's sidecar, or null when it records none. They decide
   * whether level names get CONTRAST_UNLIKE_TRAINING and its lower confidence, so a sidecar that
   * gained or changed them makes another model too.
   */
  readonly segmentationBodyIntensity: TrainingBodyIntensity | null;
  /** Absolute path of the model file in the run that made the result. It is informational and never compared. */
  readonly segmentationModelFile: string;
  readonly cropSpec: CropSpec;
}

/** Difference between a stored result's provenance and the current one. */
export type ProvenanceDifference = 'not recorded' | 'segmentation model' | 'crop settings' | 'segmentation model and crop settings';

/**
 * Hashes the segmentation model file, reads its sidecar and returns the provenance of results made
 * with it and `cropSpec`.
 * @throws DeepspineError MODEL_FAILED when the model file or its sidecar is missing or cannot be read.
 */
export async function datasetProvenance(modelPath: string, cropSpec: CropSpec): Promise<DatasetProvenance> {
  const file = resolve(modelPath);
  let sha256: string;
  try {
    sha256 = await fileSha256(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'segmentation model not found' : `reading the segmentation model failed (${String(error)})`;
    const hint = file === defaultSegmentationModelPath ? 'reinstall deepspine or pass --model' : 'check the --model path';
    throw new DeepspineError('MODEL_FAILED', `${file}: ${reason}; ${hint}`, { file, cause: error });
  }
  const { spacingMm, bodyIntensity } = await readSegmentationModelInfo(file);
  return { segmentationModelSha256: sha256, segmentationSpacingMm: spacingMm, segmentationBodyIntensity: bodyIntensity ?? null, segmentationModelFile: file, cropSpec };
}

/** Serializes a JSON value with object keys sorted at every depth, so equal settings give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => compareText(a, b));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Returns the SHA-256 (lowercase hex) of the crop settings' canonical JSON, which is independent of key order. */
export function cropSpecSha256(spec: CropSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

/**
 * Compares a stored result's provenance with `current`. Returns null when the model hash, the plane
 * spacing, the training body intensities and the crop settings are equal, else what differs. The model file path is not compared,
 * so the same model at another path or on another machine counts as equal.
 */
export function provenanceDifference(stored: DatasetProvenance | null, current: DatasetProvenance): ProvenanceDifference | null {
  if (stored === null) return 'not recorded';
  const model =
    stored.segmentationModelSha256 !== current.segmentationModelSha256 ||
    stored.segmentationSpacingMm !== current.segmentationSpacingMm ||
    canonicalJson(stored.segmentationBodyIntensity) !== canonicalJson(current.segmentationBodyIntensity);
  const crops = canonicalJson(stored.cropSpec) !== canonicalJson(current.cropSpec);
  if (model && crops) return 'segmentation model and crop settings';
  if (model) return 'segmentation model';
  if (crops) return 'crop settings';
  return null;
}

/** Returns a key that is equal for two provenances exactly when `provenanceDifference` finds no difference. */
export function provenanceKey(provenance: DatasetProvenance | null): string {
  if (provenance === null) return 'not recorded';
  const bodyIntensity = createHash('sha256').update(canonicalJson(provenance.segmentationBodyIntensity)).digest('hex');
  return `${provenance.segmentationModelSha256}/${provenance.segmentationSpacingMm}/${bodyIntensity}/${cropSpecSha256(provenance.cropSpec)}`;
}

/** Describes a provenance for messages, with the hashes shortened to 12 hex digits. */
export function describeProvenance(provenance: DatasetProvenance | null): string {
  if (provenance === null) return 'no recorded segmentation model or crop settings (written by an older deepspine)';
  return (
    `segmentation model sha256 ${provenance.segmentationModelSha256.slice(0, 12)} on ${provenance.segmentationSpacingMm} mm planes (${provenance.segmentationModelFile}), ` +
    `crop settings sha256 ${cropSpecSha256(provenance.cropSpec).slice(0, 12)}`
  );
}

/**
 * Returns the `provenance` field of a parsed result.json, or null when it is absent, lacks the
 * plane spacing or the training body intensities (results of older deepspine versions), or is not
 * of the expected shape.
 */
export function parseProvenance(value: unknown): DatasetProvenance | null {
  if (value === null || typeof value !== 'object') return null;
  const record = value as Record<string, unknown>;
  const sha256 = record['segmentationModelSha256'];
  const spacingMm = record['segmentationSpacingMm'];
  const file = record['segmentationModelFile'];
  const cropSpec = record['cropSpec'];
  const bodyIntensity = record['segmentationBodyIntensity'];
  if (bodyIntensity === undefined || (bodyIntensity !== null && (typeof bodyIntensity !== 'object' || Array.isArray(bodyIntensity)))) return null;
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) return null;
  if (checkSpacingMm(spacingMm) !== null) return null;
  if (typeof file !== 'string') return null;
  if (cropSpec === null || typeof cropSpec !== 'object' || Array.isArray(cropSpec)) return null;
  return {
    segmentationModelSha256: sha256,
    segmentationSpacingMm: spacingMm as number,
    segmentationBodyIntensity: bodyIntensity as TrainingBodyIntensity | null,
    segmentationModelFile: file,
    cropSpec: cropSpec as CropSpec,
  };
}

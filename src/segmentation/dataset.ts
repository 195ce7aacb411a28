import { readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DeepspineError } from '../errors.js';
import { toSagittalLayout } from '../geometry/reorient.js';
import { readVolumeFile } from '../input/volume-file.js';
import { spacing } from '../geometry/volume.js';
import { pseudoLabel } from './pseudo-labels.js';
import type { Logger } from '../log.js';
import { annotationNames, segmentationClasses } from './classes.js';
import { medianWindowedIntensity } from './contrast.js';
import { checkSpacingMm } from './model.js';
import { createOutputFolder } from '../outputs/write-results.js';
import { applyIntensityWindow, computeIntensityWindow, extractPlane, resamplePlane } from './preprocess.js';

/** One case of an exported segmentation training set. */
export interface DatasetCase {
  readonly case: string;
  /** Classes the case annotates; the loss ignores the others. */
  readonly annotated: number[];
  readonly planes: number;
  readonly width: number;
  readonly height: number;
  /** float32 planes, each height x width row-major, written back to back. */
  readonly imageFile: string;
  /** uint8 label planes in the same layout. */
  readonly labelFile: string;
  /** uint8 planes, bit 0 set where the vertebral body channel is known, bit 1 where the disc channel is. */
  readonly knownFile: string;
  /** Voxels of the unannotated class derived from the annotated one (see pseudoLabel). */
  readonly pseudoLabelledVoxels: number;
  /**
   * Median intensity of the labelled vertebral bodies in the series window (medianWindowedIntensity),
   * rounded to 3 decimals; null when the case does not label bodies. The model export records the
   * range over its training cases, against which analyze checks a study's contrast.
   */
  readonly bodyIntensity: number | null;
}

export interface DatasetManifest {
  readonly format: 'deepspine-segmentation-planes/2';
  readonly spacingMm: number;
  readonly cases: DatasetCase[];
}

/**
 * Exports every sagittal plane of each labelled case under `volumesDir` (one folder per case with
 * image.nii.gz, labels.nii.gz and meta.json) preprocessed exactly as inference preprocesses it.
 * Cases without labels are skipped. Planes are resampled to `spacingMm` and go to `outDir` as raw
 * float32 and uint8 files with a manifest.json that the Python training reads. The export of the
 * trained model copies that spacing into the model's sidecar.
 */
export async function exportSegmentationDataset(volumesDir: string, outDir: string, spacingMm: number, logger: Logger): Promise<DatasetManifest> {
  const spacingProblem = checkSpacingMm(spacingMm);
  if (spacingProblem !== null) {
    throw new DeepspineError('INVALID_ARGUMENT', `invalid plane spacing: it ${spacingProblem}, got ${spacingMm}`);
  }
  if (!existsSync(volumesDir)) throw new DeepspineError('INPUT_NOT_FOUND', `${volumesDir}: folder of labelled volumes not found`, { file: volumesDir });
  if (!statSync(volumesDir).isDirectory()) {
    throw new DeepspineError('INVALID_ARGUMENT', `${volumesDir}: not a folder; pass the folder that contains one subfolder per labelled case`, { file: volumesDir });
  }
  await createOutputFolder(outDir);
  const cases: DatasetCase[] = [];
  // Case folders may be symbolic links, which the labels.nii.gz check below follows.
  const names = (await readdir(volumesDir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory() || entry.isSymbolicLink())
    .map((entry) => entry.name)
    .sort();
  for (const name of names) {
    const folder = join(volumesDir, name);
    const labelPath = join(folder, 'labels.nii.gz');
    if (!existsSync(labelPath)) {
      logger.info(`skipping ${name}: no labels.nii.gz`);
      continue;
    }
    const annotated = await readAnnotatedClasses(folder);
    const image = toSagittalLayout(await readVolumeFile(join(folder, 'image.nii.gz'))).volume;
    const labels = toSagittalLayout(await readVolumeFile(labelPath)).volume;
    if (image.size.join() !== labels.size.join()) {
      throw new DeepspineError('UNREADABLE_INPUT', `${labelPath}: label grid ${labels.size.join('x')} differs from image grid ${image.size.join('x')}`, { file: labelPath });
    }
    const instancesPath = join(folder, 'instances.nii.gz');
    const instances = existsSync(instancesPath) ? toSagittalLayout(await readVolumeFile(instancesPath)).volume : null;
    const derived = instances !== null && derivesDiscs(annotated, instances.data)
      ? pseudoLabel(labels, instances, annotated, spacing(labels)[1])
      : null;
    const labelData = derived?.labels ?? Uint8Array.from(labels.data as ArrayLike<number>);
    const knownData = derived?.known ?? new Uint8Array(labelData.length).fill(annotated.reduce((bits, c) => bits | (1 << (c - 1)), 0));
    const window = computeIntensityWindow(image.data);
    const body = segmentationClasses.vertebralBody;
    const medianBody = annotated.includes(body) ? medianWindowedIntensity(image, labels.data, body, window) : null;
    const bodyIntensity = medianBody === null ? null : Math.round(medianBody * 1000) / 1000;
    const planes = image.size[2];
    const imageChunks: Buffer[] = [];
    const labelChunks: Buffer[] = [];
    const knownChunks: Buffer[] = [];
    let width = 0;
    let height = 0;
    for (let k = 0; k < planes; k++) {
      const plane = resamplePlane(extractPlane(image, k), spacingMm, 'linear');
      applyIntensityWindow(plane.data as Float32Array, window);
      const labelPlane = resamplePlane(extractPlane({ ...labels, data: labelData }, k), spacingMm, 'nearest');
      const knownPlane = resamplePlane(extractPlane({ ...labels, data: knownData }, k), spacingMm, 'nearest');
      width = plane.width;
      height = plane.height;
      imageChunks.push(Buffer.from(plane.data.buffer, plane.data.byteOffset, plane.data.byteLength));
      labelChunks.push(Buffer.from(Uint8Array.from(labelPlane.data)));
      knownChunks.push(Buffer.from(Uint8Array.from(knownPlane.data)));
    }
    const imageFile = `${name}.image.f32`;
    const labelFile = `${name}.labels.u8`;
    await writeFile(join(outDir, imageFile), Buffer.concat(imageChunks));
    const knownFile = `${name}.known.u8`;
    await writeFile(join(outDir, labelFile), Buffer.concat(labelChunks));
    await writeFile(join(outDir, knownFile), Buffer.concat(knownChunks));
    const pseudoLabelledVoxels = derived?.filled ?? 0;
    cases.push({ case: name, annotated, planes, width, height, imageFile, labelFile, knownFile, pseudoLabelledVoxels, bodyIntensity });
    const unknownBelow = derived?.unknownBelow ? `, body unknown in ${derived.unknownBelow} voxels below the lowest labelled body` : '';
    logger.info(`exported ${name}: ${planes} planes of ${width}x${height}, annotated classes ${annotated.join(',')}, ${pseudoLabelledVoxels} voxels pseudo-labelled${unknownBelow}`);
  }
  if (cases.length === 0) {
    throw new DeepspineError('UNREADABLE_INPUT', `${volumesDir}: no case folder with labels.nii.gz, so there is nothing to export`, { file: volumesDir });
  }
  const manifest: DatasetManifest = { format: 'deepspine-segmentation-planes/2', spacingMm, cases };
  await writeFile(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}

/**
 * Decides whether discs are derived from the bodies of a case. Only cases that annotate bodies of
 * known identity (instance ids below 1000, so no sacral segment can be among them) qualify:
 * bodies of unknown identity may include fused sacral segments, whose rudimentary discs must not
 * be taught as discs. Bodies are never derived from discs, because the space between two disc
 * masks differs from how body annotations are drawn (training Dice for bodies fell from 0.87 to
 * 0.78 when such bodies were added).
 */
function derivesDiscs(annotated: number[], instanceIds: ArrayLike<number>): boolean {
  if (annotated.length !== 1 || annotated[0] !== segmentationClasses.vertebralBody) return false;
  for (let index = 0; index < instanceIds.length; index++) if (instanceIds[index]! >= 1000) return false;
  return true;
}

/** Reads the classes a case annotates from meta.json `annotated`; without it, every class counts as annotated. */
export async function readAnnotatedClasses(folder: string): Promise<number[]> {
  const metaPath = join(folder, 'meta.json');
  if (!existsSync(metaPath)) return Object.values(annotationNames);
  const meta = JSON.parse(await readFile(metaPath, 'utf8')) as { annotated?: unknown };
  if (!Array.isArray(meta.annotated)) return Object.values(annotationNames);
  const classes = meta.annotated.map((entry) => annotationNames[String(entry)]).filter((c): c is number => c !== undefined);
  return [...new Set(classes)].sort();
}

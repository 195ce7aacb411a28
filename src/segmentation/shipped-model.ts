import { readFile, realpath, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { defaultSegmentationModelPath, packageRoot } from './model.js';

/** The segmentation model card, with the training data and the cross-validated figures. */
export const segmentationModelCardPath = resolve(packageRoot, 'models', 'segmentation', 'MODEL_CARD.md');

/**
 * Case folder names of the 17 labelled volumes that the shipped segmentation model was trained on
 * (listed by source in its model card): 4 disc-labelled cases (ivd), 9 (vb1), 3 (vb2) and 1 (vb3)
 * with labelled vertebral bodies.
 * NOTE: `training/reproduce-segmentation.sh VOLUMES_DIR` writes a model trained on whatever
 * VOLUMES_DIR contains to the shipped path, and then this list no longer describes it.
 */
export const shippedSegmentationTrainingCases: readonly string[] = [
  'ivd-11',
  'ivd-20',
  'ivd-25',
  'ivd-42',
  'vb1-02',
  'vb1-03',
  'vb1-06',
  'vb1-07',
  'vb1-08',
  'vb1-10',
  'vb1-11',
  'vb1-12',
  'vb1-15',
  'vb2-02',
  'vb2-04',
  'vb2-05',
  'vb3-01',
];

/**
 * Returns true when `path` is the shipped segmentation model: no path (the default), a path that
 * leads to the shipped file, or a file with the same bytes, such as a copy of it. A fold model of
 * cross-validation has other bytes, so it returns false.
 */
export async function isShippedSegmentationModel(path: string | undefined): Promise<boolean> {
  if (path === undefined) return true;
  let givenPath: string;
  let shippedPath: string;
  try {
    [givenPath, shippedPath] = await Promise.all([realpath(path), realpath(defaultSegmentationModelPath)]);
  } catch {
    // A missing file is not the shipped model, and loading it reports the error.
    return false;
  }
  if (givenPath === shippedPath) return true;
  const [givenSize, shippedSize] = await Promise.all([stat(givenPath), stat(shippedPath)]);
  if (givenSize.size !== shippedSize.size) return false;
  const [givenBytes, shippedBytes] = await Promise.all([readFile(givenPath), readFile(shippedPath)]);
  return givenBytes.equals(shippedBytes);
}

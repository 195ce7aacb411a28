import { encode } from 'fast-png';
import type { Vec3 } from '../geometry/affine.js';
import { reorientVolume, toSagittalLayout } from '../geometry/reorient.js';
import { patientToIndex, spacing, type Volume } from '../geometry/volume.js';
import { segmentationClasses } from '../segmentation/classes.js';
import { blendPixel, createCanvas, type Rgb, type RgbCanvas } from './canvas.js';
import { drawDiscLabels, drawLegend, overlayColors, type Box } from './overlay-annotations.js';

export { discLabelText, overlayColors, type Box } from './overlay-annotations.js';

/** A named disc to label on the overlay. */
export interface OverlayDisc {
  readonly name: string;
  /** Disc centre in DICOM patient coordinates (LPS), mm. */
  readonly center: Vec3;
  /** Confidence in [0, 1] that the name is right. */
  readonly confidence: number;
}

export interface OverlayOptions {
  /** Smallest output height in pixels, reached by upsampling (default 512). `maxSize` takes precedence. */
  readonly minHeight?: number;
  /** Largest output width or height in pixels (default 2048). */
  readonly maxSize?: number;
  /** Names with a confidence below this are drawn in the warning colour with a '?' (default 0.5). */
  readonly lowConfidence?: number;
  /** Opacity in [0, 1] of the label fill (default 0.35). Outlines are always opaque. */
  readonly fillOpacity?: number;
}

/** A rendered overlay with the plane it shows. */
export interface OverlayImage extends RgbCanvas {
  /** Index k of the drawn plane in the sagittal layout of the image (k runs right to left). */
  readonly sliceIndex: number;
  /** Edge length in mm of one output pixel along the image width and height. */
  readonly pixelSizeMm: readonly [number, number];
  /** Box of each disc's label, in the order of the `discs` argument. */
  readonly discLabelBoxes: readonly Box[];
  readonly legendBox: Box;
}

const defaultOptions = { minHeight: 512, maxSize: 2048, lowConfidence: 0.5, fillOpacity: 0.35 } as const;

/** How far right of a disc centre, in mm, the posterior edge of the disc is looked for. */
const discReachMm = 40;

/**
 * Renders one sagittal plane of `image` with the label map and the disc names as an RGB PNG.
 *
 * Both volumes are brought into the sagittal layout first, so the head is up and anterior is on the
 * left. The plane passes through the median lateral position of the disc centres, or through the
 * middle of the volume when there are none. Grey levels map the 1st-99th percentile of the plane to
 * black-white. Pixels are square in mm, and the image is upsampled to at least `minHeight` rows.
 * Vertebral bodies (label 1) and discs (label 2) get a translucent fill with an opaque outline.
 * Each disc's name and confidence are written on its posterior side.
 * @throws RangeError when `labels` is not on the grid of `image` or an option is out of range.
 */
export function renderOverlayPng(image: Volume, labels: Volume<Uint8Array>, discs: readonly OverlayDisc[], options: OverlayOptions = {}): Uint8Array {
  const overlay = renderOverlay(image, labels, discs, options);
  return encode({ width: overlay.width, height: overlay.height, data: overlay.data, channels: 3, depth: 8 });
}

/** Renders the overlay that `renderOverlayPng` encodes, as raw RGB pixels with the plane it shows. */
export function renderOverlay(image: Volume, labels: Volume<Uint8Array>, discs: readonly OverlayDisc[], options: OverlayOptions = {}): OverlayImage {
  const settings = resolveOptions(options);
  checkSameGrid(image, labels);
  const { volume: sagittal, mapping } = toSagittalLayout(image);
  const sagittalLabels = reorientVolume(labels, mapping);
  const sliceIndex = overlaySliceIndex(sagittal, discs);
  const grid = outputGrid(sagittal, settings.minHeight, settings.maxSize);
  const canvas = createCanvas(grid.width, grid.height);

  paintGrayscale(canvas, windowedPlane(sagittal, sliceIndex), sagittal.size[0], sagittal.size[1]);
  const labelRaster = sampleLabels(sagittalLabels, sliceIndex, grid.width, grid.height);
  const outlineWidth = Math.max(1, Math.round(grid.height / 512));
  paintLabels(canvas, labelRaster, settings.fillOpacity, outlineWidth);

  const textScale = Math.max(2, Math.floor(grid.height / 400));
  const placed = discs.map((disc) => {
    const [i, j] = patientToIndex(sagittal, disc.center);
    const x = (i + 0.5) * grid.pixelsPerVoxel[0] - 0.5;
    const y = (j + 0.5) * grid.pixelsPerVoxel[1] - 0.5;
    return { name: disc.name, confidence: disc.confidence, x, y };
  });
  const reachPx = discReachMm / grid.pixelSizeMm[0];
  const discLabelBoxes = drawDiscLabels(canvas, labelRaster, placed, textScale, reachPx, settings.lowConfidence);
  const anyLowConfidence = discs.some((disc) => disc.confidence < settings.lowConfidence);
  const legendBox = drawLegend(canvas, labelRaster, discLabelBoxes, textScale, anyLowConfidence ? settings.lowConfidence : null);

  return { ...canvas, sliceIndex, pixelSizeMm: grid.pixelSizeMm, discLabelBoxes, legendBox };
}

/**
 * Returns the k index of the plane through the median lateral position of the disc centres, in the
 * sagittal layout of `sagittal` and clamped to the grid. Without discs it returns the middle plane.
 */
export function overlaySliceIndex(sagittal: Pick<Volume, 'size' | 'affine'>, discs: readonly Pick<OverlayDisc, 'center'>[]): number {
  const count = sagittal.size[2];
  if (discs.length === 0) return Math.floor(count / 2);
  const lateral = discs.map((disc) => patientToIndex(sagittal, disc.center)[2]).sort((a, b) => a - b);
  const middle = lateral.length >> 1;
  const median = lateral.length % 2 === 1 ? lateral[middle]! : (lateral[middle - 1]! + lateral[middle]!) / 2;
  return Math.min(count - 1, Math.max(0, Math.round(median)));
}

function resolveOptions(options: OverlayOptions): Required<OverlayOptions> {
  const settings = {
    minHeight: options.minHeight ?? defaultOptions.minHeight,
    maxSize: options.maxSize ?? defaultOptions.maxSize,
    lowConfidence: options.lowConfidence ?? defaultOptions.lowConfidence,
    fillOpacity: options.fillOpacity ?? defaultOptions.fillOpacity,
  };
  if (!Number.isInteger(settings.minHeight) || settings.minHeight < 1) {
    throw new RangeError(`invalid overlay minHeight ${settings.minHeight}: expected a positive integer`);
  }
  if (!Number.isInteger(settings.maxSize) || settings.maxSize < settings.minHeight) {
    throw new RangeError(`invalid overlay maxSize ${settings.maxSize}: expected an integer of at least minHeight (${settings.minHeight})`);
  }
  if (!(settings.lowConfidence >= 0 && settings.lowConfidence <= 1)) {
    throw new RangeError(`invalid overlay lowConfidence ${settings.lowConfidence}: expected a number in [0, 1]`);
  }
  if (!(settings.fillOpacity >= 0 && settings.fillOpacity <= 1)) {
    throw new RangeError(`invalid overlay fillOpacity ${settings.fillOpacity}: expected a number in [0, 1]`);
  }
  return settings;
}

function checkSameGrid(image: Volume, labels: Volume<Uint8Array>): void {
  if (image.size.some((n) => n < 1)) throw new RangeError(`cannot draw an overlay of an empty volume of size ${image.size.join('x')}`);
  const sameSize = image.size.every((n, axis) => n === labels.size[axis]);
  const sameAffine = image.affine.every((value, index) => Math.abs(value - labels.affine[index]!) <= 1e-4 * (1 + Math.abs(value)));
  if (!sameSize || !sameAffine) {
    throw new RangeError(
      `label map (size ${labels.size.join('x')}) is not on the image grid (size ${image.size.join('x')}), ` + 'so resample the labels onto the image grid first',
    );
  }
}

interface OutputGrid {
  readonly width: number;
  readonly height: number;
  readonly pixelSizeMm: readonly [number, number];
  /** Output pixels per voxel along i (width) and j (height). */
  readonly pixelsPerVoxel: readonly [number, number];
}

/** Chooses a square output pixel no coarser than the finer in-plane spacing, small enough for `minHeight`. */
function outputGrid(sagittal: Volume, minHeight: number, maxSize: number): OutputGrid {
  const [columnMm, rowMm] = spacing(sagittal);
  const [columns, rows] = sagittal.size;
  const widthMm = columns * columnMm;
  const heightMm = rows * rowMm;
  let pixelMm = Math.min(columnMm, rowMm, heightMm / minHeight);
  if (Math.max(widthMm, heightMm) / pixelMm > maxSize) pixelMm = Math.max(widthMm, heightMm) / maxSize;
  const width = Math.max(1, Math.round(widthMm / pixelMm));
  const height = Math.max(1, Math.round(heightMm / pixelMm));
  return { width, height, pixelSizeMm: [widthMm / width, heightMm / height], pixelsPerVoxel: [width / columns, height / rows] };
}

/** Returns plane k of the volume mapped to 0-255 by its 1st-99th percentile window. Non-finite values count as 0. */
function windowedPlane(volume: Volume, k: number): Float32Array {
  const [columns, rows] = volume.size;
  const start = columns * rows * k;
  const plane = Float32Array.from(volume.data.subarray(start, start + columns * rows), (value) => (Number.isFinite(value) ? value : 0));
  const sorted = Float32Array.from(plane).sort();
  let low = percentileOfSorted(sorted, 0.01);
  let high = percentileOfSorted(sorted, 0.99);
  if (high <= low) {
    low = sorted[0]!;
    high = sorted[sorted.length - 1]!;
  }
  const range = high > low ? high - low : 1;
  for (let n = 0; n < plane.length; n++) plane[n] = Math.min(255, Math.max(0, ((plane[n]! - low) / range) * 255));
  return plane;
}

function percentileOfSorted(sorted: Float32Array, fraction: number): number {
  return sorted[Math.round(fraction * (sorted.length - 1))]!;
}

/** Fills the canvas from the windowed plane by bilinear interpolation. */
function paintGrayscale(canvas: RgbCanvas, plane: Float32Array, columns: number, rows: number): void {
  const xs = interpolationWeights(canvas.width, columns);
  const ys = interpolationWeights(canvas.height, rows);
  for (let y = 0; y < canvas.height; y++) {
    const row0 = ys.lower[y]! * columns;
    const row1 = ys.upper[y]! * columns;
    const fy = ys.fraction[y]!;
    for (let x = 0; x < canvas.width; x++) {
      const fx = xs.fraction[x]!;
      const top = plane[row0 + xs.lower[x]!]! * (1 - fx) + plane[row0 + xs.upper[x]!]! * fx;
      const bottom = plane[row1 + xs.lower[x]!]! * (1 - fx) + plane[row1 + xs.upper[x]!]! * fx;
      const gray = Math.round(top * (1 - fy) + bottom * fy);
      const offset = (y * canvas.width + x) * 3;
      canvas.data[offset] = gray;
      canvas.data[offset + 1] = gray;
      canvas.data[offset + 2] = gray;
    }
  }
}

/** Source voxel pair and weight for each of `outputs` pixel centres spread over `inputs` voxels. */
function interpolationWeights(outputs: number, inputs: number): { lower: Int32Array; upper: Int32Array; fraction: Float32Array } {
  const lower = new Int32Array(outputs);
  const upper = new Int32Array(outputs);
  const fraction = new Float32Array(outputs);
  for (let n = 0; n < outputs; n++) {
    const position = Math.min(inputs - 1, Math.max(0, ((n + 0.5) * inputs) / outputs - 0.5));
    lower[n] = Math.floor(position);
    upper[n] = Math.min(inputs - 1, lower[n]! + 1);
    fraction[n] = position - lower[n]!;
  }
  return { lower, upper, fraction };
}

/** Returns the label of the voxel under each output pixel (nearest neighbour), row-major. */
function sampleLabels(labels: Volume<Uint8Array>, k: number, width: number, height: number): Uint8Array {
  const [columns, rows] = labels.size;
  const raster = new Uint8Array(width * height);
  const start = columns * rows * k;
  for (let y = 0; y < height; y++) {
    const j = Math.min(rows - 1, Math.floor(((y + 0.5) * rows) / height));
    for (let x = 0; x < width; x++) {
      const i = Math.min(columns - 1, Math.floor(((x + 0.5) * columns) / width));
      raster[y * width + x] = labels.data[start + i + columns * j]!;
    }
  }
  return raster;
}

function labelColor(label: number): Rgb | null {
  if (label === segmentationClasses.vertebralBody) return overlayColors.vertebralBody;
  if (label === segmentationClasses.disc) return overlayColors.disc;
  return null;
}

/** Tints labelled pixels and draws an opaque outline `outlineWidth` pixels wide inside each label's border. */
function paintLabels(canvas: RgbCanvas, raster: Uint8Array, fillOpacity: number, outlineWidth: number): void {
  const { width, height } = canvas;
  const differs = (x: number, y: number, label: number): boolean => x >= 0 && y >= 0 && x < width && y < height && raster[y * width + x] !== label;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const label = raster[y * width + x]!;
      const color = labelColor(label);
      if (color === null) continue;
      let edge = false;
      for (let d = 1; d <= outlineWidth && !edge; d++) {
        edge = differs(x - d, y, label) || differs(x + d, y, label) || differs(x, y - d, label) || differs(x, y + d, label);
      }
      blendPixel(canvas, x, y, color, edge ? 1 : fillOpacity);
    }
  }
}

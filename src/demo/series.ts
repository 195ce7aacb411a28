import { add, cross, dot, normalize, scale, type Vec3 } from '../geometry/affine.js';
import type { PhantomDiscLevel } from './anatomy.js';
import { addRicianNoise, sagittalCenter, type Phantom } from './phantom.js';
import { GaussianStream, hashInts } from './random.js';
import type { TissueSample } from './tissue.js';

/** One image plane of a series, in DICOM terms. */
export interface SlicePlane {
  /** LPS position (mm) of the centre of the first transmitted pixel (ImagePositionPatient). */
  readonly position: Vec3;
  /** Unit LPS direction of increasing column index (first half of ImageOrientationPatient). */
  readonly rowDirection: Vec3;
  /** Unit LPS direction of increasing row index (second half of ImageOrientationPatient). */
  readonly columnDirection: Vec3;
  /** rowDirection × columnDirection. */
  readonly normal: Vec3;
  /** Disc level that an axial block was planned on; absent for stacks. */
  readonly level?: PhantomDiscLevel;
}

/** Acquisition plan of one series. */
export interface SeriesPlan {
  readonly key: 'localizer' | 'sag_t2' | 'ax_t2';
  /** Folder of the series inside the study folder. */
  readonly folder: string;
  readonly seriesNumber: number;
  readonly seriesDescription: string;
  readonly rows: number;
  readonly columns: number;
  /** Pixel spacing (mm) between rows and between columns, the order of DICOM PixelSpacing. */
  readonly pixelSpacing: readonly [number, number];
  readonly sliceThicknessMm: number;
  /** Centre-to-centre distance of neighbouring slices within a stack or block (mm). */
  readonly spacingBetweenSlicesMm: number;
  readonly repetitionTimeMs: number;
  readonly echoTimeMs: number;
  readonly echoTrainLength: number;
  readonly scanningSequence: 'SE' | 'GR';
  readonly sequenceVariant: readonly string[];
  readonly imageType: readonly string[];
  /** Slices in InstanceNumber order (instance n is `slices[n - 1]`). */
  readonly slices: readonly SlicePlane[];
}

/** Disc levels that get an axial block, cranial to caudal, as in a routine lumbar protocol. */
export const axialBlockLevels: readonly PhantomDiscLevel[] = ['T12-L1', 'L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'];

const sagittalFieldOfViewMm = 300;
const sagittalMatrix = 320;
const sagittalSliceCount = 15;
const axialFieldOfViewMm = 200;
const axialMatrix = 256;
const axialSlicesPerBlock = 3;
const localizerFieldOfViewMm = 400;
const localizerMatrix = 256;

/**
 * Layout of the axial series. `disc-blocks` angles a block of slices along each disc plane, as a
 * clinical protocol does. `stack` is one true-axial stack every 4 mm from T12-L1 to L5-S1.
 */
export type AxialLayout = 'disc-blocks' | 'stack';

/**
 * Plans the three series of the demo study.
 * - `sag_t2`: 15 sagittal slices, 4 mm thick every 4.4 mm (0.4 mm gap), 320 x 320 pixels over 300 mm.
 *   Rows run superior to inferior and columns anterior to posterior, so the normal points to the
 *   patient's right (-x). Instance 1 is the leftmost slice and instances advance along the normal.
 * - `ax_t2`, layout `disc-blocks`: for each disc T12-L1 … L5-S1, a block of 3 slices 4 mm thick every
 *   4 mm, parallel to the disc mid-plane and centred on it. Columns run right to left and rows anterior
 *   to posterior, so the normal is the disc normal (cranial). Blocks run cranial to caudal, and slices
 *   within a block superior to inferior.
 * - `ax_t2`, layout `stack`: true axial slices 4 mm thick every 4 mm from 10 mm above T12-L1 to 10 mm
 *   below L5-S1, superior to inferior.
 * - `localizer`: one coronal slice through the vertebral bodies, 400 mm square.
 */
export function planStudySeries(phantom: Phantom, axialLayout: AxialLayout = 'disc-blocks'): SeriesPlan[] {
  const axial = axialLayout === 'stack' ? planAxialStack(phantom) : planAxial(phantom);
  return [planLocalizer(phantom), planSagittal(phantom), axial];
}

function planSagittal(phantom: Phantom): SeriesPlan {
  const center = sagittalCenter(phantom, sagittalFieldOfViewMm);
  const spacing = sagittalFieldOfViewMm / sagittalMatrix;
  const gap = 4.4;
  const rowDirection: Vec3 = [0, 1, 0];
  const columnDirection: Vec3 = [0, 0, -1];
  const normal = cross(rowDirection, columnDirection);
  const slices: SlicePlane[] = [];
  for (let n = 0; n < sagittalSliceCount; n++) {
    const offset = (n - (sagittalSliceCount - 1) / 2) * gap;
    slices.push(planeAround(add(center, scale(normal, offset)), rowDirection, columnDirection, sagittalMatrix, sagittalMatrix, spacing));
  }
  return {
    key: 'sag_t2',
    folder: 'sag_t2',
    seriesNumber: 2,
    seriesDescription: 'T2 TSE SAG',
    rows: sagittalMatrix,
    columns: sagittalMatrix,
    pixelSpacing: [spacing, spacing],
    sliceThicknessMm: 4,
    spacingBetweenSlicesMm: gap,
    repetitionTimeMs: 3500,
    echoTimeMs: 100,
    echoTrainLength: 17,
    scanningSequence: 'SE',
    sequenceVariant: ['SK', 'SP'],
    imageType: ['ORIGINAL', 'PRIMARY', 'M', 'ND'],
    slices,
  };
}

function planAxial(phantom: Phantom): SeriesPlan {
  const spacing = axialFieldOfViewMm / axialMatrix;
  const gap = 4;
  const slices: SlicePlane[] = [];
  for (const level of axialBlockLevels) {
    const disc = phantom.discs.find((d) => d.level === level)!;
    const rowDirection: Vec3 = [1, 0, 0];
    const columnDirection = normalize(disc.posterior);
    const normal = cross(rowDirection, columnDirection);
    // Centre the field of view 20 mm behind the disc centre, so that the canal and the back muscles fit.
    const center = add(disc.center, scale(columnDirection, 20));
    for (let n = 0; n < axialSlicesPerBlock; n++) {
      const offset = ((axialSlicesPerBlock - 1) / 2 - n) * gap;
      slices.push({ ...planeAround(add(center, scale(normal, offset)), rowDirection, columnDirection, axialMatrix, axialMatrix, spacing), level });
    }
  }
  return {
    key: 'ax_t2',
    folder: 'ax_t2',
    seriesNumber: 3,
    seriesDescription: 'T2 TSE AX',
    rows: axialMatrix,
    columns: axialMatrix,
    pixelSpacing: [spacing, spacing],
    sliceThicknessMm: 4,
    spacingBetweenSlicesMm: gap,
    repetitionTimeMs: 4000,
    echoTimeMs: 100,
    echoTrainLength: 15,
    scanningSequence: 'SE',
    sequenceVariant: ['SK', 'SP'],
    imageType: ['ORIGINAL', 'PRIMARY', 'M', 'ND'],
    slices,
  };
}

function planAxialStack(phantom: Phantom): SeriesPlan {
  const spacing = axialFieldOfViewMm / axialMatrix;
  const gap = 4;
  const levels = phantom.discs.filter((d) => axialBlockLevels.includes(d.level));
  const top = Math.max(...levels.map((d) => d.center[2])) + 10;
  const bottom = Math.min(...levels.map((d) => d.center[2])) - 10;
  const centerY = levels.reduce((sum, d) => sum + d.center[1], 0) / levels.length + 20;
  const count = Math.floor((top - bottom) / gap) + 1;
  const slices: SlicePlane[] = [];
  for (let n = 0; n < count; n++) {
    slices.push(planeAround([0, centerY, top - n * gap], [1, 0, 0], [0, 1, 0], axialMatrix, axialMatrix, spacing));
  }
  return { ...planAxial(phantom), slices };
}

function planLocalizer(phantom: Phantom): SeriesPlan {
  const l3 = phantom.vertebrae.find((v) => v.name === 'L3')!;
  const sagittal = sagittalCenter(phantom, sagittalFieldOfViewMm);
  const center: Vec3 = [0, l3.center[1], sagittal[2]];
  const spacing = localizerFieldOfViewMm / localizerMatrix;
  const plane = planeAround(center, [1, 0, 0], [0, 0, -1], localizerMatrix, localizerMatrix, spacing);
  return {
    key: 'localizer',
    folder: 'localizer',
    seriesNumber: 1,
    seriesDescription: 'LOCALIZER',
    rows: localizerMatrix,
    columns: localizerMatrix,
    pixelSpacing: [spacing, spacing],
    sliceThicknessMm: 8,
    spacingBetweenSlicesMm: 8,
    repetitionTimeMs: 8.6,
    echoTimeMs: 4,
    echoTrainLength: 1,
    scanningSequence: 'GR',
    sequenceVariant: ['SP'],
    imageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'],
    slices: [plane],
  };
}

/** Returns the plane whose pixel grid (rows x columns, square pixels of `spacing` mm) is centred on `center`. */
function planeAround(center: Vec3, rowDirection: Vec3, columnDirection: Vec3, rows: number, columns: number, spacing: number): SlicePlane {
  const position = add(
    center,
    add(scale(rowDirection, (-(columns - 1) / 2) * spacing), scale(columnDirection, (-(rows - 1) / 2) * spacing)),
  );
  return { position, rowDirection, columnDirection, normal: cross(rowDirection, columnDirection) };
}

/** Returns the signed position (mm) of a plane along its normal, which the study writes as SliceLocation. */
export function sliceLocation(plane: SlicePlane): number {
  return dot(plane.position, plane.normal);
}

/** Largest stored value; images use 12 of the 16 allocated bits. */
export const maxStoredValue = 4095;

/** Pixels between the nodes of the coarse grid on which the smooth bias field is evaluated. */
const biasGridStep = 8;

/**
 * Renders one slice: the phantom's signal at each pixel centre, times the bias field, with Rician
 * noise of the phantom's sigma. The noise is seeded by the phantom seed, the series and the instance.
 * Returns row-major unsigned 16-bit pixels (index row * columns + column) clamped to 0..4095.
 */
export function renderSlice(phantom: Phantom, plan: SeriesPlan, instanceIndex: number): Uint16Array {
  const plane = plan.slices[instanceIndex]!;
  const [rowSpacing, columnSpacing] = plan.pixelSpacing;
  const pixels = new Uint16Array(plan.rows * plan.columns);
  const out: TissueSample = { value: 0, label: 0 };
  const noise = new GaussianStream(hashInts(phantom.model.options.seed, plan.seriesNumber, instanceIndex));
  const sigma = phantom.model.options.noiseSigma;
  const [px, py, pz] = plane.position;
  const [rx, ry, rz] = plane.rowDirection;
  const [cx, cy, cz] = plane.columnDirection;
  const bias = biasGrid(phantom, plane, plan);
  const gridColumns = Math.ceil((plan.columns - 1) / biasGridStep) + 1;

  for (let row = 0; row < plan.rows; row++) {
    const bx = px + cx * row * rowSpacing;
    const by = py + cy * row * rowSpacing;
    const bz = pz + cz * row * rowSpacing;
    const gridRow = Math.floor(row / biasGridStep);
    const fr = row / biasGridStep - gridRow;
    for (let column = 0; column < plan.columns; column++) {
      const x = bx + rx * column * columnSpacing;
      const y = by + ry * column * columnSpacing;
      const z = bz + rz * column * columnSpacing;
      phantom.sample(x, y, z, out);

      // The bias field is interpolated bilinearly from the coarse grid.
      let signal = 0;
      if (out.value !== 0) {
        const gridColumn = Math.floor(column / biasGridStep);
        const fc = column / biasGridStep - gridColumn;
        const i00 = gridRow * gridColumns + gridColumn;
        const top = bias[i00]! + (bias[i00 + 1]! - bias[i00]!) * fc;
        const bottom = bias[i00 + gridColumns]! + (bias[i00 + gridColumns + 1]! - bias[i00 + gridColumns]!) * fc;
        signal = out.value * (top + (bottom - top) * fr);
      }
      const value = Math.round(addRicianNoise(signal, sigma, noise));
      pixels[row * plan.columns + column] = value > maxStoredValue ? maxStoredValue : value;
    }
  }
  return pixels;
}

/** Evaluates the bias field every `biasGridStep` pixels, with nodes at or beyond the last row and column. */
function biasGrid(phantom: Phantom, plane: SlicePlane, plan: SeriesPlan): Float64Array {
  const gridRows = Math.ceil((plan.rows - 1) / biasGridStep) + 1;
  const gridColumns = Math.ceil((plan.columns - 1) / biasGridStep) + 1;
  const grid = new Float64Array(gridRows * gridColumns);
  for (let r = 0; r < gridRows; r++) {
    for (let c = 0; c < gridColumns; c++) {
      const down = r * biasGridStep * plan.pixelSpacing[0];
      const across = c * biasGridStep * plan.pixelSpacing[1];
      const point = add(plane.position, add(scale(plane.columnDirection, down), scale(plane.rowDirection, across)));
      grid[r * gridColumns + c] = phantom.bias(point[0], point[1], point[2]);
    }
  }
  return grid;
}

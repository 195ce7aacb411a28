import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dot, subtract, type Vec3 } from '../geometry/affine.js';
import { DeepspineError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import type { PhantomOptions } from './anatomy.js';
import { createPhantom, type DiscTruth, type Phantom, type VertebraTruth } from './phantom.js';
import { planStudySeries, renderSlice, type AxialLayout, type SeriesPlan } from './series.js';
import { studyUids } from './uid.js';
import { encodeMrImage, seriesWindow } from './write-dicom.js';

/** Description of one written series, as recorded in truth.json. */
export interface DemoSeriesTruth {
  readonly key: SeriesPlan['key'];
  readonly folder: string;
  readonly seriesNumber: number;
  readonly seriesDescription: string;
  readonly seriesInstanceUid: string;
  readonly instanceCount: number;
  readonly rows: number;
  readonly columns: number;
  /** Row spacing then column spacing (mm), as DICOM PixelSpacing. */
  readonly pixelSpacingMm: readonly [number, number];
  readonly sliceThicknessMm: number;
  readonly spacingBetweenSlicesMm: number;
  /** Instance numbers of each axial block, keyed by disc level; only for `ax_t2`. */
  readonly instancesByLevel?: Readonly<Record<string, readonly number[]>>;
}

/** Contents of truth.json: the phantom's ground truth in the study's patient coordinates. */
export interface DemoTruth {
  readonly format: 'deepspine-demo-truth';
  readonly formatVersion: 1;
  readonly note: string;
  readonly coordinateSystem: 'DICOM patient coordinates (LPS), mm';
  readonly seed: number;
  readonly options: PhantomOptions;
  readonly axialLayout: AxialLayout;
  readonly studyInstanceUid: string;
  readonly frameOfReferenceUid: string;
  readonly series: readonly DemoSeriesTruth[];
  /** Discs whose centre lies inside the sagittal field of view, cranial to caudal. */
  readonly levels: readonly DiscTruth[];
  /** Vertebral bodies whose centre lies inside the sagittal field of view, cranial to caudal. */
  readonly vertebrae: readonly VertebraTruth[];
  /** Angle of the S1 superior endplate to the horizontal (degrees). */
  readonly sacralSlopeDeg: number;
  /** Angle between the L1 and S1 superior endplates (degrees). */
  readonly lumbarLordosisDeg: number;
  /** Angle between the L5 inferior and S1 superior endplates, the wedge of the L5-S1 disc (degrees). */
  readonly lumbosacralAngleDeg: number;
}

/** Options of the demo study: the phantom's options, the axial layout and where progress is logged. */
export interface DemoStudyOptions extends PhantomOptions {
  /** Default `disc-blocks`: one block of slices angled along each disc, as in a clinical study. */
  axialLayout?: AxialLayout;
  logger?: Logger;
}

/** Entries that a folder may already hold when a demo study is written into it again. */
const studyEntries = new Set(['localizer', 'sag_t2', 'ax_t2', 'truth.json']);

/**
 * Writes the demo study into `dir`: series folders `localizer/`, `sag_t2/` and `ax_t2/` with one
 * Part 10 file per slice (`0001.dcm`, …) and `truth.json`. Creates `dir` when missing; an earlier
 * demo study there is replaced. Returns the truth written to truth.json.
 * @throws RangeError on invalid phantom options or axial layout.
 * @throws DeepspineError INVALID_ARGUMENT when `dir` contains files other than a demo study,
 *   OUTPUT_FAILED when a folder or file cannot be written.
 */
export async function writeDemoStudy(dir: string, options: DemoStudyOptions = {}): Promise<DemoTruth> {
  const { logger = silentLogger, axialLayout = 'disc-blocks', ...phantomOptions } = options;
  if (axialLayout !== 'disc-blocks' && axialLayout !== 'stack') {
    throw new RangeError(`axialLayout must be 'disc-blocks' or 'stack', got '${String(axialLayout)}'`);
  }
  const start = performance.now();
  const phantom = createPhantom(phantomOptions);
  await prepareFolder(dir);

  const uids = studyUids(canonicalJson({ ...phantom.model.options, axialLayout }));
  const plans = planStudySeries(phantom, axialLayout);
  const study = {
    studyInstanceUid: uids.studyInstanceUid,
    frameOfReferenceUid: uids.frameOfReferenceUid,
    imageComments: `Synthetic lumbar spine phantom made by deepspine (seed ${phantom.model.options.seed}); not an image of a person. For demos and tests only.`,
  };

  const seriesTruth: DemoSeriesTruth[] = [];
  for (const plan of plans) {
    const images = plan.slices.map((_, index) => renderSlice(phantom, plan, index));
    const window = seriesWindow(images);
    const seriesInstanceUid = uids.seriesInstanceUid(plan.seriesNumber);
    const folder = join(dir, plan.folder);
    await writeOrRaise(folder, () => mkdir(folder, { recursive: true }));

    for (let index = 0; index < images.length; index++) {
      const instanceNumber = index + 1;
      const bytes = encodeMrImage(
        study,
        plan,
        {
          seriesInstanceUid,
          sopInstanceUid: uids.sopInstanceUid(plan.seriesNumber, instanceNumber),
          instanceNumber,
          windowCenter: window.center,
          windowWidth: window.width,
        },
        images[index]!,
      );
      const path = join(folder, `${String(instanceNumber).padStart(4, '0')}.dcm`);
      await writeOrRaise(path, () => writeFile(path, bytes));
    }
    seriesTruth.push(describeSeries(plan, seriesInstanceUid));
  }

  const truth = buildTruth(phantom, plans, axialLayout, seriesTruth, uids.studyInstanceUid, uids.frameOfReferenceUid);
  const truthPath = join(dir, 'truth.json');
  await writeOrRaise(truthPath, () => writeFile(truthPath, JSON.stringify(truth, null, 2) + '\n'));
  logger.debug(`demo study written to ${dir} in ${(performance.now() - start).toFixed(0)} ms`);
  return truth;
}

/**
 * Writes the demo study into a new folder under the system temporary folder
 * (`deepspine-demo-XXXXXX`) and returns the folder and the truth. The caller removes the folder.
 * @throws DeepspineError OUTPUT_FAILED when the temporary folder cannot be created or written.
 */
export async function createDemoStudy(options: DemoStudyOptions = {}): Promise<{ dir: string; truth: DemoTruth }> {
  const prefix = join(tmpdir(), 'deepspine-demo-');
  const dir = await writeOrRaise(prefix, () => mkdtemp(prefix));
  const truth = await writeDemoStudy(dir, options);
  return { dir, truth };
}

/** JSON with object keys sorted, so that equal options give equal text whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : item,
  );
}

async function prepareFolder(dir: string): Promise<void> {
  await writeOrRaise(dir, () => mkdir(dir, { recursive: true }));
  const entries = await writeOrRaise(dir, () => readdir(dir));
  const foreign = entries.filter((entry) => !studyEntries.has(entry));
  if (foreign.length > 0) {
    const listed = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? ', …' : '');
    throw new DeepspineError(
      'INVALID_ARGUMENT',
      `${dir}: the folder already contains other files (${listed}); choose an empty or new folder for the demo study`,
      { file: dir },
    );
  }
  // Remove the series of an earlier demo study, so that no stale instance remains.
  for (const entry of entries) {
    if (entry === 'truth.json') continue;
    const path = join(dir, entry);
    await writeOrRaise(path, () => rm(path, { recursive: true, force: true }));
  }
}

async function writeOrRaise<T>(path: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DeepspineError('OUTPUT_FAILED', `${path}: cannot write the demo study (${reason}); check that the folder is writable`, {
      file: path,
      cause: error,
    });
  }
}

function describeSeries(plan: SeriesPlan, seriesInstanceUid: string): DemoSeriesTruth {
  const base = {
    key: plan.key,
    folder: plan.folder,
    seriesNumber: plan.seriesNumber,
    seriesDescription: plan.seriesDescription,
    seriesInstanceUid,
    instanceCount: plan.slices.length,
    rows: plan.rows,
    columns: plan.columns,
    pixelSpacingMm: plan.pixelSpacing,
    sliceThicknessMm: plan.sliceThicknessMm,
    spacingBetweenSlicesMm: plan.spacingBetweenSlicesMm,
  };
  if (plan.key !== 'ax_t2') return base;
  const instancesByLevel: Record<string, number[]> = {};
  plan.slices.forEach((slice, index) => {
    if (slice.level === undefined) return;
    (instancesByLevel[slice.level] ??= []).push(index + 1);
  });
  return { ...base, instancesByLevel };
}

function buildTruth(
  phantom: Phantom,
  plans: readonly SeriesPlan[],
  axialLayout: AxialLayout,
  series: readonly DemoSeriesTruth[],
  studyInstanceUid: string,
  frameOfReferenceUid: string,
): DemoTruth {
  const sagittal = plans.find((plan) => plan.key === 'sag_t2')!;
  const inView = (point: Vec3): boolean => insideSagittalView(sagittal, point);
  const l5s1 = phantom.discs.find((disc) => disc.level === 'L5-S1')!;
  return {
    format: 'deepspine-demo-truth',
    formatVersion: 1,
    note: 'Ground truth of a synthetic phantom made by deepspine; it describes no person.',
    coordinateSystem: 'DICOM patient coordinates (LPS), mm',
    seed: phantom.model.options.seed,
    options: phantom.model.options,
    axialLayout,
    studyInstanceUid,
    frameOfReferenceUid,
    series,
    levels: phantom.discs.filter((disc) => inView(disc.center)),
    vertebrae: phantom.vertebrae.filter((vertebra) => inView(vertebra.center)),
    sacralSlopeDeg: phantom.model.sacralSlopeDeg,
    lumbarLordosisDeg: phantom.model.lumbarLordosisDeg,
    lumbosacralAngleDeg: l5s1.wedgeDeg,
  };
}

/** Returns whether a point projects inside the in-plane field of view of the sagittal series. */
function insideSagittalView(plan: SeriesPlan, point: Vec3): boolean {
  const first = plan.slices[0]!;
  const offset = subtract(point, first.position);
  const column = dot(offset, first.rowDirection) / plan.pixelSpacing[1];
  const row = dot(offset, first.columnDirection) / plan.pixelSpacing[0];
  return column >= 0 && column <= plan.columns - 1 && row >= 0 && row <= plan.rows - 1;
}

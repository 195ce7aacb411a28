import type { Vec3 } from '../geometry/affine.js';

/** Role of a series for deepspine: the primary sagittal T2, an axial T2, a sagittal T1, or anything else. */
export type SeriesLabel = 'sagittal-t2' | 'axial-t2' | 'sagittal-t1' | 'other';

/** The anatomical plane of the slices, from the LPS axis the slice normal is closest to. */
export type PlaneOrientation = 'sagittal' | 'coronal' | 'axial';

/** Tissue contrast. `stir` covers STIR and TIRM (inversion recovery with fat nulled). */
export type Weighting = 't1' | 't2' | 'pd' | 'stir' | 't2-star' | 'unknown';

/** The attributes classification looks at; no pixel data is needed. Times in ms. */
export interface SeriesTraits {
  readonly modality: string;
  readonly description: string;
  readonly protocolName?: string;
  readonly imageType: readonly string[];
  readonly repetitionTime?: number | undefined;
  readonly echoTime?: number | undefined;
  readonly inversionTime?: number | undefined;
  readonly sliceCount: number;
  /** Unit slice normal in LPS; undefined when the orientation is unknown. */
  readonly normal: Vec3 | undefined;
}

export interface SeriesClassification {
  readonly label: SeriesLabel;
  readonly orientation: PlaneOrientation | undefined;
  /** Angle in degrees between the slice normal and the LPS axis that names the orientation. */
  readonly obliqueDegrees: number | undefined;
  readonly weighting: Weighting;
  /** Whether the weighting was read from the description (or protocol name) or inferred from TR/TE/TI. */
  readonly weightingSource: 'description' | 'timing' | 'none';
  readonly localizer: boolean;
  readonly fatSuppressed: boolean;
  /** Short phrases that justify the label, for the log. */
  readonly reasons: readonly string[];
}

/** Minimum number of slices for automatic choice, because 1-3 slice series are localizers or single planes. */
export const minimumPrimarySlices = 4;

/**
 * Returns the plane whose normal axis is closest to the slice normal: LPS x (left-right) is sagittal,
 * y (anterior-posterior) coronal and z (superior-inferior) axial.
 */
export function planeOrientation(normal: Vec3): { orientation: PlaneOrientation; obliqueDegrees: number } {
  const magnitudes = [Math.abs(normal[0]), Math.abs(normal[1]), Math.abs(normal[2])];
  const axis = magnitudes.indexOf(Math.max(...magnitudes));
  const orientations: PlaneOrientation[] = ['sagittal', 'coronal', 'axial'];
  const length = Math.hypot(normal[0], normal[1], normal[2]);
  const cosine = Math.min(1, magnitudes[axis]! / length);
  return { orientation: orientations[axis]!, obliqueDegrees: (Math.acos(cosine) * 180) / Math.PI };
}

/** Splits a description into lower-case words at anything that is not a letter, digit or `*`. */
function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9*]+/)
    .filter((word) => word !== '');
}

// Word patterns. An optional plane prefix covers names such as Philips "sT2W_TSE".
const planePrefix = '(?:s|sag|ax|tra|cor)?';
const weightingPatterns: readonly [Weighting, RegExp][] = [
  ['stir', new RegExp(`^${planePrefix}(?:stir|tirm)$`)],
  ['t2-star', /^(?:t2\*w?|t2star|medic|merge|hemo|swi)$/],
  ['t2', new RegExp(`^${planePrefix}t2(?:w|wi|tse|fse|frfse|spc|space|drive)?$`)],
  ['t1', new RegExp(`^${planePrefix}t1(?:w|wi|tse|fse|frfse|se|flair)?$`)],
  ['pd', new RegExp(`^${planePrefix}pd(?:w|wi|tse|fse)?$`)],
];
const localizerWords = new Set(['localizer', 'localiser', 'loc', 'locator', 'scout', 'survey', 'pilot', 'tripilot', '3plane', '3pl', 'aascout', 'aahscout']);
const fatSuppressionWords = new Set(['fs', 'fatsat', 'fsat', 'spair', 'spir', 'chess', 'stir', 'tirm', 'dixon', 'water']);

/** Returns the weighting named in a description, STIR first because "T2 STIR" is a STIR. */
function weightingFromWords(list: readonly string[]): Weighting | undefined {
  for (const [weighting, pattern] of weightingPatterns) {
    if (list.some((word) => pattern.test(word))) return weighting;
  }
  return undefined;
}

/**
 * Infers the weighting from timing with the usual spin-echo ranges. TI 100-250 ms is STIR. TR of at
 * least 1500 ms is T2 with TE of at least 60 ms, and PD with TE up to 40 ms. TR up to 1000 ms with
 * TE up to 30 ms is T1. Anything else (gradient echo, unusual timing) stays unknown.
 */
function weightingFromTiming(traits: SeriesTraits): Weighting | undefined {
  const { repetitionTime: tr, echoTime: te, inversionTime: ti } = traits;
  if (ti !== undefined && ti >= 100 && ti <= 250) return 'stir';
  if (tr === undefined || te === undefined) return undefined;
  if (tr >= 1500 && te >= 60) return 't2';
  if (tr >= 1500 && te <= 40) return 'pd';
  if (tr <= 1000 && te <= 30) return 't1';
  return undefined;
}

function timingText(traits: SeriesTraits): string {
  const parts: string[] = [];
  if (traits.repetitionTime !== undefined) parts.push(`TR ${traits.repetitionTime} ms`);
  if (traits.echoTime !== undefined) parts.push(`TE ${traits.echoTime} ms`);
  if (traits.inversionTime !== undefined) parts.push(`TI ${traits.inversionTime} ms`);
  return parts.join(', ');
}

/**
 * Classifies a series from its geometry and header attributes. A non-MR modality, an unknown
 * orientation, a localizer (ImageType LOCALIZER or a description word such as LOCALIZER, SCOUT or
 * SURVEY) and a series of fewer than four slices are `other`. Otherwise a sagittal or axial plane
 * with T2 weighting, or a sagittal plane with T1 weighting, gets its label. Everything else (coronal
 * planes, STIR, PD, unknown contrast) is `other`. The weighting comes from the description, then
 * the protocol name, then TR/TE/TI.
 */
export function classifySeries(traits: SeriesTraits): SeriesClassification {
  const reasons: string[] = [];
  const descriptionWords = words(traits.description);
  const protocolWords = words(traits.protocolName ?? '');
  const allWords = [...descriptionWords, ...protocolWords];

  const placement = traits.normal === undefined ? undefined : planeOrientation(traits.normal);
  const orientation = placement?.orientation;
  if (placement !== undefined) {
    reasons.push(placement.obliqueDegrees >= 1 ? `${placement.orientation} (oblique ${placement.obliqueDegrees.toFixed(0)} degrees)` : placement.orientation);
  } else {
    reasons.push('orientation unknown');
  }

  let weighting: Weighting = 'unknown';
  let weightingSource: SeriesClassification['weightingSource'] = 'none';
  const named = weightingFromWords(descriptionWords) ?? weightingFromWords(protocolWords);
  const timed = weightingFromTiming(traits);
  const timing = timingText(traits);
  if (named !== undefined) {
    weighting = named;
    weightingSource = 'description';
    reasons.push(`${named.toUpperCase()} from the description`);
    if (timed !== undefined && timed !== named) reasons.push(`although ${timing} suggests ${timed.toUpperCase()}`);
  } else if (timed !== undefined) {
    weighting = timed;
    weightingSource = 'timing';
    reasons.push(`${timed.toUpperCase()} from ${timing}`);
  } else {
    reasons.push(timing === '' ? 'weighting unknown' : `weighting unknown (${timing})`);
  }

  const localizer = traits.imageType.includes('LOCALIZER') || allWords.some((word) => localizerWords.has(word));
  const fatSuppressed = allWords.some((word) => fatSuppressionWords.has(word)) || /fat[ _-]?sat/i.test(traits.description);
  if (fatSuppressed) reasons.push('fat-suppressed');

  const other = (reason: string): SeriesClassification => ({
    label: 'other',
    orientation,
    obliqueDegrees: placement?.obliqueDegrees,
    weighting,
    weightingSource,
    localizer,
    fatSuppressed,
    reasons: [reason, ...reasons],
  });
  if (traits.modality !== 'MR') return other(`modality ${traits.modality === '' ? 'missing' : traits.modality}, not MR`);
  if (orientation === undefined) return other('no slice orientation');
  if (localizer) return other(traits.imageType.includes('LOCALIZER') ? 'localizer (ImageType LOCALIZER)' : 'localizer (description)');
  if (traits.sliceCount < minimumPrimarySlices) return other(`only ${traits.sliceCount} slice${traits.sliceCount === 1 ? '' : 's'}`);

  let label: SeriesLabel = 'other';
  if (weighting === 't2' && orientation === 'sagittal') label = 'sagittal-t2';
  else if (weighting === 't2' && orientation === 'axial') label = 'axial-t2';
  else if (weighting === 't1' && orientation === 'sagittal') label = 'sagittal-t1';
  return { label, orientation, obliqueDegrees: placement?.obliqueDegrees, weighting, weightingSource, localizer, fatSuppressed, reasons };
}

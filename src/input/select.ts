import { DeepspineError, type Warning } from '../errors.js';
import type { Logger } from '../log.js';
import { minimumPrimarySlices } from './classify.js';
import type { LoadStudyOptions, SelectableSeries, SeriesSummary } from './types.js';

/** Short human label for a series: number, description and id, for logs and messages. */
export function describeSeries(summary: SeriesSummary): string {
  const number = summary.number === null ? '' : `${summary.number} `;
  const description = summary.description === '' ? '(no description)' : `"${summary.description}"`;
  return `${number}${description}`;
}

function detailsOf(series: SelectableSeries): string {
  const s = series.summary;
  const spacing = s.pixelSpacing === null ? '' : `, ${s.pixelSpacing[1].toFixed(2)}x${s.pixelSpacing[0].toFixed(2)} mm`;
  const sliceSpacing = s.sliceSpacing === null ? '' : `, slices ${s.sliceSpacing.toFixed(2)} mm apart`;
  return `${s.sliceCount} slices of ${s.columns}x${s.rows}${spacing}${sliceSpacing}; ${series.classification.reasons.join('; ')}`;
}

/** Returns whether a user's series query names this series. */
export function matchesSeries(summary: SeriesSummary, query: string): boolean {
  const trimmed = query.trim();
  if (trimmed === '') return false;
  if (summary.id === trimmed || summary.seriesInstanceUid === trimmed) return true;
  if (/^\d+$/.test(trimmed) && summary.number === Number(trimmed)) return true;
  return summary.description.toLowerCase() === trimmed.toLowerCase();
}

/**
 * Orders candidates of one tier, best first. A weighting named in the description comes before one
 * inferred from timing, and no fat suppression before fat suppression, because grading reads
 * non-suppressed T2. Then come uniform slice spacing, more slices, finer pixels and the lower
 * series number.
 */
function compareCandidates(a: SelectableSeries, b: SelectableSeries): number {
  const key = (series: SelectableSeries): number[] => {
    const s = series.summary;
    const pixelArea = s.pixelSpacing === null ? Infinity : s.pixelSpacing[0] * s.pixelSpacing[1];
    return [
      series.classification.weightingSource === 'description' ? 0 : 1,
      series.classification.fatSuppressed ? 1 : 0,
      series.warnings.some((warning) => warning.code === 'NON_UNIFORM_SPACING') ? 1 : 0,
      -s.sliceCount,
      pixelArea,
      s.number ?? Infinity,
    ];
  };
  const ka = key(a);
  const kb = key(b);
  for (let index = 0; index < ka.length; index++) {
    if (ka[index] !== kb[index]) return ka[index]! < kb[index]! ? -1 : 1;
  }
  return 0;
}

function usable(series: SelectableSeries, excluded: ReadonlySet<string>): boolean {
  return series.summary.problems.length === 0 && series.summary.modality === 'MR' && !excluded.has(series.summary.id);
}

/** Returns the series the user named, or raises INVALID_ARGUMENT with the list of series. */
function overrideSeries<T extends SelectableSeries>(all: readonly T[], query: string, role: 'sagittal' | 'axial', logger: Logger, warnings: Warning[]): T {
  const matches = all.filter((series) => matchesSeries(series.summary, query));
  const available = all.map((series) => `${describeSeries(series.summary)} [${series.summary.id}]`).join(', ');
  if (matches.length === 0) {
    throw new DeepspineError(
      'INVALID_ARGUMENT',
      `no series matches "${query}" for the ${role} series; give a SeriesInstanceUID, SeriesNumber or SeriesDescription of one of: ${available}`,
    );
  }
  const readable = matches.filter((series) => series.summary.problems.length === 0).sort(compareCandidates);
  const chosen = readable[0];
  if (chosen === undefined) {
    const problems = matches.map((series) => `${describeSeries(series.summary)}: ${series.summary.problems.join('; ')}`).join('; ');
    throw new DeepspineError('INVALID_ARGUMENT', `the ${role} series "${query}" cannot be read as a volume (${problems}); choose another series`);
  }
  if (matches.length > 1) logger.info(`"${query}" matches ${matches.length} stacks; using the best one, ${chosen.summary.id}`);
  if (chosen.summary.orientation !== role) {
    warnings.push({
      code: 'SERIES_OVERRIDE_ORIENTATION',
      message: `the ${role} series ${describeSeries(chosen.summary)} chosen by option is ${chosen.summary.orientation ?? 'of unknown orientation'}, not ${role}`,
    });
  }
  logger.info(`${role} series: ${describeSeries(chosen.summary)} (chosen by option; ${detailsOf(chosen)})`);
  return chosen;
}

function logAlternatives(candidates: readonly SelectableSeries[], logger: Logger): void {
  for (const candidate of candidates.slice(1)) logger.debug(`  also considered ${describeSeries(candidate.summary)}: ${detailsOf(candidate)}`);
}

/**
 * Chooses the sagittal series: the best `sagittal-t2`, else the best `sagittal-t1`, else the best
 * other sagittal MR series of at least four slices that is not a localizer (the last two with a
 * warning). `options.sagittalSeries` overrides the choice. Series in `excluded` (ids) are skipped.
 * @throws DeepspineError NO_SAGITTAL_SERIES when nothing qualifies, INVALID_ARGUMENT for a bad override.
 */
export function selectSagittal<T extends SelectableSeries>(
  all: readonly T[],
  options: LoadStudyOptions,
  logger: Logger,
  excluded: ReadonlySet<string> = new Set(),
): { series: T; warnings: Warning[] } {
  const warnings: Warning[] = [];
  if (options.sagittalSeries !== undefined) return { series: overrideSeries(all, options.sagittalSeries, 'sagittal', logger, warnings), warnings };

  const tiers: { filter: (series: T) => boolean; fallback?: string }[] = [
    { filter: (series) => series.classification.label === 'sagittal-t2' },
    { filter: (series) => series.classification.label === 'sagittal-t1', fallback: 'a sagittal T1 series' },
    {
      filter: (series) =>
        series.classification.orientation === 'sagittal' && !series.classification.localizer && series.summary.sliceCount >= minimumPrimarySlices,
      fallback: 'a sagittal series of another contrast',
    },
  ];
  for (const tier of tiers) {
    const candidates = all.filter((series) => usable(series, excluded) && tier.filter(series)).sort(compareCandidates);
    const best = candidates[0];
    if (best === undefined) continue;
    if (tier.fallback !== undefined) {
      warnings.push({
        code: 'SAGITTAL_FALLBACK',
        message: `no sagittal T2 series found; using ${tier.fallback}, ${describeSeries(best.summary)}, so level finding and grading may be less reliable`,
      });
    }
    logger.info(`sagittal series: ${describeSeries(best.summary)} (${detailsOf(best)})`);
    logAlternatives(candidates, logger);
    return { series: best, warnings };
  }
  const listing = all.map((series) => `${describeSeries(series.summary)}: ${series.summary.problems[0] ?? series.classification.reasons.join(', ')}`);
  throw new DeepspineError(
    'NO_SAGITTAL_SERIES',
    `no usable sagittal MR series of at least ${minimumPrimarySlices} slices (found ${listing.join('; ')}); ` +
      'add the sagittal T2 series to the input, or name a series with the sagittal series option',
  );
}

/**
 * Chooses the axial T2 series, or null when the study has none. `options.axialSeries` overrides the
 * choice.
 * @throws DeepspineError INVALID_ARGUMENT for an override that matches nothing readable.
 */
export function selectAxial<T extends SelectableSeries>(
  all: readonly T[],
  options: LoadStudyOptions,
  logger: Logger,
  excluded: ReadonlySet<string> = new Set(),
): { series: T | null; warnings: Warning[] } {
  const warnings: Warning[] = [];
  if (options.axialSeries !== undefined) return { series: overrideSeries(all, options.axialSeries, 'axial', logger, warnings), warnings };
  const candidates = all.filter((series) => usable(series, excluded) && series.classification.label === 'axial-t2').sort(compareCandidates);
  const best = candidates[0];
  if (best === undefined) {
    logger.info('axial series: none (no axial T2 series in the study)');
    return { series: null, warnings };
  }
  logger.info(`axial series: ${describeSeries(best.summary)} (${detailsOf(best)})`);
  logAlternatives(candidates, logger);
  return { series: best, warnings };
}

import { DeepspineError, type Warning } from '../errors.js';
import type { Logger } from '../log.js';
import { minimumPrimarySlices } from './classify.js';
import type { LoadStudyOptions, SelectableSeries, SeriesSummary } from './types.js';

/**
 * Short human label for a series, for logs and messages: number and description, plus the stack
 * suffix (`stack #2`) when one SeriesInstanceUID was split into several stacks.
 */
export function describeSeries(summary: SeriesSummary): string {
  const number = summary.number === null ? '' : `${summary.number} `;
  const description = summary.description === '' ? '(no description)' : `"${summary.description}"`;
  const uid = summary.seriesInstanceUid;
  const stack = uid !== null && summary.id.startsWith(`${uid}#`) ? ` stack ${summary.id.slice(uid.length)}` : '';
  return `${number}${description}${stack}`;
}

function detailsOf(series: SelectableSeries): string {
  const s = series.summary;
  const spacing = s.pixelSpacing === null ? '' : `, ${s.pixelSpacing[1].toFixed(2)}x${s.pixelSpacing[0].toFixed(2)} mm`;
  const sliceSpacing = s.sliceSpacing === null ? '' : `, slices ${s.sliceSpacing.toFixed(2)} mm apart`;
  return `${s.sliceCount} ${s.sliceCount === 1 ? 'slice' : 'slices'} of ${s.columns}x${s.rows}${spacing}${sliceSpacing}; ${series.classification.reasons.join('; ')}`;
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

/** One tier of the automatic choice. `fallback` names the tier in the warning raised when the tier is used. */
interface Tier {
  readonly accepts: (series: SelectableSeries) => boolean;
  readonly fallback?: string;
}

const sagittalTiers: readonly Tier[] = [
  { accepts: (series) => series.classification.label === 'sagittal-t2' },
  { accepts: (series) => series.classification.label === 'sagittal-t1', fallback: 'a sagittal T1 series' },
  {
    accepts: (series) =>
      series.classification.orientation === 'sagittal' && !series.classification.localizer && series.summary.sliceCount >= minimumPrimarySlices,
    fallback: 'a sagittal series of another contrast',
  },
];

const axialTiers: readonly Tier[] = [{ accepts: (series) => series.classification.label === 'axial-t2' }];

/** Returns the index of the first tier that accepts the series, or the number of tiers when none does. */
function tierIndex(series: SelectableSeries, tiers: readonly Tier[]): number {
  const index = tiers.findIndex((tier) => tier.accepts(series));
  return index === -1 ? tiers.length : index;
}

/**
 * Orders series that match an override, best first: the orientation of the role, then the tier of
 * the automatic choice (T2 before T1 for the sagittal role), then `compareCandidates`. Matches
 * that tie on all of these keep the order in which the series were found.
 */
function compareOverrideMatches(role: 'sagittal' | 'axial'): (a: SelectableSeries, b: SelectableSeries) => number {
  const tiers = role === 'sagittal' ? sagittalTiers : axialTiers;
  return (a, b) => {
    const orientation = Number(a.summary.orientation !== role) - Number(b.summary.orientation !== role);
    if (orientation !== 0) return orientation;
    const tier = tierIndex(a, tiers) - tierIndex(b, tiers);
    return tier !== 0 ? tier : compareCandidates(a, b);
  };
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
  const readable = matches.filter((series) => series.summary.problems.length === 0).sort(compareOverrideMatches(role));
  const chosen = readable[0];
  if (chosen === undefined) {
    const problems = matches.map((series) => `${describeSeries(series.summary)}: ${series.summary.problems.join('; ')}`).join('; ');
    throw new DeepspineError('INVALID_ARGUMENT', `the ${role} series "${query}" cannot be read as a volume (${problems}); choose another series`);
  }
  if (matches.length > 1) {
    logger.info(
      `"${query}" matches ${matches.length} stacks; using ${describeSeries(chosen.summary)} [${chosen.summary.id}], ` +
        `preferring ${role} orientation, then the tiers of the automatic choice`,
    );
  }
  if (chosen.summary.orientation !== role) {
    warnings.push({
      code: 'SERIES_OVERRIDE_ORIENTATION',
      message: `the ${role} series ${describeSeries(chosen.summary)} chosen by option is ${chosen.summary.orientation ?? 'of unknown orientation'}, not ${role}`,
    });
  }
  const weighting = chosen.classification.weighting;
  if (chosen.summary.orientation === role && weighting !== 't2') {
    const kind = weighting === 'unknown' ? 'of unknown contrast' : weighting.toUpperCase().replace('STAR', '*');
    warnings.push({
      code: 'SERIES_OVERRIDE_CONTRAST',
      message: `the ${role} series ${describeSeries(chosen.summary)} chosen by option is ${kind}, not T2 as the automatic choice prefers, so ${role === 'sagittal' ? 'level finding and grading' : 'grading'} may be less reliable`,
    });
  }
  if (role === 'sagittal' && chosen.summary.sliceCount < minimumPrimarySlices) {
    warnings.push({
      code: 'SERIES_OVERRIDE_FEW_SLICES',
      message: `the sagittal series ${describeSeries(chosen.summary)} chosen by option has ${chosen.summary.sliceCount} of the ${minimumPrimarySlices} slices that the automatic choice requires, so the levels found on it are less reliable than their confidence shows`,
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

  for (const tier of sagittalTiers) {
    const candidates = all.filter((series) => usable(series, excluded) && tier.accepts(series)).sort(compareCandidates);
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
  // Every readable sagittal series of enough slices is in a tier unless it counts as a localizer,
  // so an override can help only with such a series, and the hint names those.
  const overridable = all.filter(
    (series) => usable(series, excluded) && series.classification.orientation === 'sagittal' && series.summary.sliceCount >= minimumPrimarySlices,
  );
  const names = overridable.map((series) => describeSeries(series.summary)).join(' or ');
  // A series with a defect (slices at one position, a missing tag) may be the sagittal series the
  // user meant, so the hint names the defect before it suggests another series.
  const defective = all
    .filter((series) => series.summary.problems.length > 0 && (series.classification.orientation === undefined || series.classification.orientation === 'sagittal'))
    .map((series) => describeSeries(series.summary));
  const add =
    defective.length === 0
      ? 'add the sagittal T2 series to the input'
      : `fix the problem named for ${defective.join(' and ')} (or remove the files it names), or add another sagittal T2 series`;
  const hint = overridable.length === 0 ? add : `${add}, or, if ${names} is a full sagittal series and not a localizer, name it with --sagittal-series`;
  throw new DeepspineError(
    'NO_SAGITTAL_SERIES',
    `no usable sagittal MR series of at least ${minimumPrimarySlices} slices (found ${listing.join('; ')}); ${hint}`,
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
  const candidates = all.filter((series) => usable(series, excluded) && tierIndex(series, axialTiers) === 0).sort(compareCandidates);
  const best = candidates[0];
  if (best === undefined) {
    logger.info('axial series: none (no usable axial T2 series in the study)');
    return { series: null, warnings };
  }
  logger.info(`axial series: ${describeSeries(best.summary)} (${detailsOf(best)})`);
  logAlternatives(candidates, logger);
  return { series: best, warnings };
}

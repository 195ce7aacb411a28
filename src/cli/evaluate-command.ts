import { isAbsolute, relative } from 'node:path';
import { evaluateFolder, formatDice } from '../evaluation/evaluate.js';
import { DeepspineError } from '../errors.js';
import { printable, type Logger } from '../log.js';
import { formatConfidence } from '../outputs/table.js';
import { checkOutputFile, writeOutput } from '../outputs/write-results.js';
import { loadSegmentationModel } from '../segmentation/model.js';
import { isShippedSegmentationModel, segmentationModelCardPath, shippedSegmentationTrainingCases } from '../segmentation/shipped-model.js';

/**
 * Runs the evaluation and prints a per-case table and the means on stdout. When the model is the
 * shipped one, a last line names the evaluated cases that it was trained on (see
 * `trainingCasesNote`). With `json`, the full evaluation is also written to that file.
 * @throws DeepspineError INVALID_ARGUMENT when `json` is empty, and OUTPUT_FAILED when the `json`
 *   file cannot be written. Both are raised before the model is loaded, except for a write that
 *   fails at the end (a full disk), which leaves no partial file.
 */
export async function runEvaluate(dir: string, options: { model?: string; cases?: string[]; json?: string }, logger: Logger): Promise<void> {
  if (options.json !== undefined) {
    if (options.json === '') throw new DeepspineError('INVALID_ARGUMENT', '--json is empty; pass the path of the JSON file to write');
    await checkOutputFile(options.json, '--json');
  }
  const model = await loadSegmentationModel(options.model);
  try {
    const shipped = await isShippedSegmentationModel(options.model);
    const summary = await evaluateFolder(dir, model, logger, options.cases);
    // "in extent" ignores predictions above and below the annotated structures (diceWithinAnnotatedExtent).
    const lines = ['case              Dice body  Dice disc  in extent: body   disc  names correct  wrong or missed'];
    for (const c of summary.cases) {
      const wrong = c.naming
        .filter((n) => n.predicted !== n.truth)
        .map((n) => `${n.truth}->${n.predicted ?? 'none'}${n.confidence === null ? '' : ` (${formatConfidence(n.confidence)})`}`);
      const correct = c.naming.length - wrong.length;
      lines.push(
        `${c.case.padEnd(18)}${formatDice(c.diceVertebralBody).padStart(9)}${formatDice(c.diceDisc).padStart(11)}${formatDice(c.extentDiceVertebralBody).padStart(17)}${formatDice(c.extentDiceDisc).padStart(7)}${`${correct}/${c.naming.length}`.padStart(15)}  ${c.namingError ?? wrong.join(' ')}`,
      );
    }
    lines.push(
      `${'mean'.padEnd(18)}${formatDice(summary.meanDiceVertebralBody).padStart(9)}${formatDice(summary.meanDiceDisc).padStart(11)}${formatDice(summary.meanExtentDiceVertebralBody).padStart(17)}${formatDice(summary.meanExtentDiceDisc).padStart(7)}${`${summary.namingCorrect}/${summary.namingTotal}`.padStart(15)}`,
    );
    if (summary.namingTotal > 0) lines.push(`wrong names at confidence 0.5 or more: ${summary.namingWrongConfident} of ${summary.namingTotal}`);
    const note = shipped ? trainingCasesNote(summary.cases.map((c) => c.case)) : null;
    if (note !== null) lines.push(note);
    process.stdout.write(lines.map(printable).join('\n') + '\n');
    if (options.json !== undefined) await writeOutput(options.json, JSON.stringify(summary, null, 2));
  } finally {
    await model.release();
  }
}

/**
 * Returns the one-line note that some of `cases` are training cases of the shipped segmentation
 * model, so their figures are not held-out, or null when none is. Cases are matched by folder name.
 */
export function trainingCasesNote(cases: readonly string[]): string | null {
  const trained = cases.filter((name) => shippedSegmentationTrainingCases.includes(name));
  if (trained.length === 0) return null;
  const card = displayPath(segmentationModelCardPath);
  if (trained.length === cases.length) {
    let caseWording = `all ${cases.length} of these cases`;
    if (cases.length === 1) caseWording = 'this case';
    else if (cases.length === 2) caseWording = 'both of these cases';
    return `note: the shipped model was trained on ${caseWording}, so these figures are not held-out; the cross-validated figures are in ${card}`;
  }
  return `note: the shipped model was trained on ${trained.length} of these ${cases.length} cases (${trained.join(', ')}), so their figures are not held-out; the cross-validated figures are in ${card}`;
}

/** Returns `path` relative to the working folder when it lies inside it, else `path` unchanged. */
function displayPath(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere === '' || fromHere.startsWith('..') || isAbsolute(fromHere) ? path : fromHere;
}

import { writeFile } from 'node:fs/promises';
import { evaluateFolder, formatDice } from '../evaluation/evaluate.js';
import type { Logger } from '../log.js';
import { loadSegmentationModel } from '../segmentation/model.js';

/** Runs the evaluation and prints a per-case table and the means on stdout. */
export async function runEvaluate(dir: string, options: { model?: string; cases?: string[]; json?: string }, logger: Logger): Promise<void> {
  const model = await loadSegmentationModel(options.model);
  try {
    const summary = await evaluateFolder(dir, model, logger, options.cases);
    // "in extent" ignores predictions above and below the annotated structures (diceWithinAnnotatedExtent).
    const lines = ['case              Dice body  Dice disc  in extent: body   disc  names correct  wrong or missed'];
    for (const c of summary.cases) {
      const wrong = c.naming.filter((n) => n.predicted !== n.truth).map((n) => `${n.truth}->${n.predicted ?? 'none'}`);
      const correct = c.naming.length - wrong.length;
      lines.push(
        `${c.case.padEnd(18)}${formatDice(c.diceVertebralBody).padStart(9)}${formatDice(c.diceDisc).padStart(11)}${formatDice(c.extentDiceVertebralBody).padStart(17)}${formatDice(c.extentDiceDisc).padStart(7)}${`${correct}/${c.naming.length}`.padStart(15)}  ${c.namingError ?? wrong.join(' ')}`,
      );
    }
    lines.push(
      `${'mean'.padEnd(18)}${formatDice(summary.meanDiceVertebralBody).padStart(9)}${formatDice(summary.meanDiceDisc).padStart(11)}${formatDice(summary.meanExtentDiceVertebralBody).padStart(17)}${formatDice(summary.meanExtentDiceDisc).padStart(7)}${`${summary.namingCorrect}/${summary.namingTotal}`.padStart(15)}`,
    );
    process.stdout.write(lines.join('\n') + '\n');
    if (options.json) await writeFile(options.json, JSON.stringify(summary, null, 2));
  } finally {
    await model.release();
  }
}

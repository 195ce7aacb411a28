import type { Logger } from '../log.js';
import { writeDemoStudy } from '../demo/index.js';

/** Writes the synthetic phantom study into `dir` for `analyze --demo`. */
export async function prepareDemoStudy(dir: string, logger: Logger): Promise<void> {
  // A plain axial stack: the angled per-disc blocks of the phantom are read as one stack with uneven gaps.
  await logger.step('generate demo study', () => writeDemoStudy(dir, { axialLayout: 'stack' }));
  logger.info(`demo: synthetic phantom study written to ${dir} (not a patient)`);
}

import type { Logger } from '../log.js';
import { writeDemoStudy } from '../demo/index.js';

/** Writes the synthetic phantom study into `dir` for `analyze --demo`. */
export async function prepareDemoStudy(dir: string, logger: Logger): Promise<void> {
  await logger.step('generate demo study', () => writeDemoStudy(dir));
  logger.info(`demo: synthetic phantom study written to ${dir} (not a patient)`);
}

/**
 * Entry point of one `deepspine dataset build` worker process, started by `runStudyPool` with
 * `child_process.fork`. It loads the segmentation model once, then processes the studies that the
 * parent sends one at a time, and sends back a `StudyOutcome` for each after its result is stored.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DeepspineError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { loadSegmentationModel, type SegmentationModel } from '../segmentation/model.js';
import { extractStudyCrops } from './study-crops.js';
import { commitStudyResult, failureOf, type StudyResult } from './study-result.js';
import type { StudyOutcome, StudyTask, WorkerConfig, WorkerMessage } from './worker-messages.js';

function send(message: WorkerMessage): void {
  process.send!(message);
}

/** Processes one study and stores its result, a failure included. Errors become the outcome instead of being thrown. */
async function processStudy(task: StudyTask, config: WorkerConfig, model: SegmentationModel, logger: Logger): Promise<StudyOutcome> {
  const start = performance.now();
  const elapsed = (): number => Math.round(performance.now() - start);
  try {
    const result = await commitStudyResult(config.out, task.folderName, async (tempDir): Promise<Omit<StudyResult, 'format'>> => {
      const common = { studyId: task.studyId, source: task.path, attempts: task.attempt, provenance: config.provenance };
      try {
        const crops = await extractStudyCrops(task.path, task.studyId, tempDir, model, config.provenance.cropSpec, logger);
        return { ...common, status: 'done', finishedAt: new Date().toISOString(), durationMs: elapsed(), timingsMs: crops.timingsMs, rows: crops.rows, warnings: crops.warnings, error: null };
      } catch (error) {
        // A failed study keeps only its result.json, never the crops written before the failure.
        await rm(join(tempDir, 'crops'), { recursive: true, force: true });
        if (!(error instanceof DeepspineError)) logger.debug(error instanceof Error ? (error.stack ?? error.message) : String(error));
        return { ...common, status: 'failed', finishedAt: new Date().toISOString(), durationMs: elapsed(), timingsMs: {}, rows: [], warnings: [], error: failureOf(error) };
      }
    });
    return { studyId: task.studyId, folderName: task.folderName, status: result.status, levels: result.rows.length, error: result.error, durationMs: elapsed() };
  } catch (error) {
    return { studyId: task.studyId, folderName: task.folderName, status: 'not-stored', levels: 0, error: failureOf(error), durationMs: elapsed() };
  }
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
  let model: SegmentationModel;
  try {
    model = await loadSegmentationModel(config.modelPath, config.threads);
  } catch (error) {
    send({ kind: 'init-failed', error: failureOf(error) });
    process.disconnect();
    return;
  }
  process.on('message', (task: StudyTask) => {
    const logger = createLogger({ level: config.logLevel, write: (line) => process.stderr.write(`${task.studyId}: ${line}\n`) });
    void processStudy(task, config, model, logger).then((outcome) => send({ kind: 'outcome', outcome }));
  });
  // The parent disconnects when no study is left; releasing the model lets the process end.
  process.on('disconnect', () => void model.release());
  send({ kind: 'ready' });
}

await main();

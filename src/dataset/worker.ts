/**
 * Entry point of one `deepspine dataset build` worker process, started by `runStudyPool` with
 * `child_process.fork`. It loads the segmentation model once, then processes the studies that the
 * parent sends one at a time, and sends back a `StudyOutcome` for each after its result is stored.
 * When the parent goes away (the IPC channel disconnects) during a study, the worker removes the
 * study's temporary folder and exits without storing a result.
 */
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DeepspineError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { loadSegmentationModel, type SegmentationModel } from '../segmentation/model.js';
import { extractStudyCrops } from './study-crops.js';
import { commitStudyResult, failureOf, type StudyResult } from './study-result.js';
import type { StudyOutcome, StudyTask, WorkerConfig, WorkerMessage } from './worker-messages.js';

/** Exit status of a worker whose parent went away. No process reads it, because the parent is gone. */
const parentGoneExitCode = 1;

/**
 * Sends `message` to the parent. A closed channel means that the parent went away, which the
 * 'disconnect' handler deals with, so the send error is only logged.
 */
function send(message: WorkerMessage, logger: Logger): void {
  if (!process.connected) return;
  process.send!(message, undefined, {}, (error: Error | null) => {
    if (error !== null) logger.debug(`sending the ${message.kind} message to the parent process failed: ${error.message}`);
  });
}

/** Resolves as `task` does, or rejects with the signal's reason as soon as `signal` is aborted. */
function untilAborted<T>(task: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    task.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Processes one study and stores its result, a failure included. Errors become the outcome instead
 * of being thrown. Returns null, storing nothing, when `parentGone` is aborted before the result is
 * renamed into place.
 */
async function processStudy(task: StudyTask, config: WorkerConfig, model: SegmentationModel, parentGone: AbortSignal, logger: Logger): Promise<StudyOutcome | null> {
  const start = performance.now();
  const elapsed = (): number => Math.round(performance.now() - start);
  let studyTempDir: string | null = null;
  try {
    const fill = async (tempDir: string): Promise<Omit<StudyResult, 'format'>> => {
      studyTempDir = tempDir;
      const common = { studyId: task.studyId, source: task.path, attempts: task.attempt, provenance: config.provenance };
      try {
        const crops = await untilAborted(extractStudyCrops(task.path, task.studyId, tempDir, model, config.provenance.cropSpec, logger), parentGone);
        return { ...common, status: 'done', finishedAt: new Date().toISOString(), durationMs: elapsed(), timingsMs: crops.timingsMs, rows: crops.rows, warnings: crops.warnings, error: null };
      } catch (error) {
        if (parentGone.aborted) throw error;
        // A failed study keeps only its result.json, never the crops written before the failure.
        await rm(join(tempDir, 'crops'), { recursive: true, force: true });
        if (!(error instanceof DeepspineError)) logger.debug(error instanceof Error ? (error.stack ?? error.message) : String(error));
        return { ...common, status: 'failed', finishedAt: new Date().toISOString(), durationMs: elapsed(), timingsMs: {}, rows: [], warnings: [], error: failureOf(error) };
      }
    };
    const result = await commitStudyResult(config.out, task.folderName, fill, parentGone);
    return { studyId: task.studyId, folderName: task.folderName, status: result.status, levels: result.rows.length, warnings: result.warnings.map((warning) => warning.code), error: result.error, durationMs: elapsed() };
  } catch (error) {
    if (parentGone.aborted) {
      // commitStudyResult removed the folder, but the abandoned extraction may have written into it since.
      if (studyTempDir !== null) removeFolderNow(studyTempDir, logger);
      return null;
    }
    return { studyId: task.studyId, folderName: task.folderName, status: 'not-stored', levels: 0, warnings: [], error: failureOf(error), durationMs: elapsed() };
  }
}

function removeFolderNow(path: string, logger: Logger): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch (error) {
    logger.warn(`removing the temporary folder ${path} failed (${String(error)}); delete it when no run is writing into OUT`);
  }
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
  const workerLogger = createLogger({ level: config.logLevel, write: (line) => process.stderr.write(`dataset worker ${process.pid}: ${line}\n`) });
  const parentGone = new AbortController();
  let model: SegmentationModel | null = null;
  let busy = false;
  // The parent disconnects on purpose only when no study is left; during a study it has exited or been killed.
  process.on('disconnect', () => {
    if (busy) parentGone.abort(new Error('the parent process disconnected'));
    else if (model !== null) void model.release();
    else process.exit(parentGoneExitCode);
  });
  try {
    model = await loadSegmentationModel(config.modelPath, config.threads);
  } catch (error) {
    send({ kind: 'init-failed', error: failureOf(error) }, workerLogger);
    if (process.connected) process.disconnect();
    return;
  }
  const loaded = model;
  process.on('message', (task: StudyTask) => {
    const logger = createLogger({ level: config.logLevel, write: (line) => process.stderr.write(`${task.studyId}: ${line}\n`) });
    busy = true;
    void processStudy(task, config, loaded, parentGone.signal, logger).then((outcome) => {
      busy = false;
      if (parentGone.signal.aborted) {
        // A null outcome means that the study was abandoned, and its extraction may still run on
        // onnxruntime threads, so the process exits at once.
        if (outcome === null) logger.warn('stopped without storing a result, because the dataset build process exited; the next run processes the study');
        process.exit(parentGoneExitCode);
      }
      if (outcome !== null) send({ kind: 'outcome', outcome }, logger);
    });
  });
  send({ kind: 'ready' }, workerLogger);
}

await main();

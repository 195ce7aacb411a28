import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DeepspineError, errorCodes, type ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { commitStudyResult, failureOf, removePartialFolders, type StudyFailure } from './study-result.js';
import type { StudyOutcome, StudyTask, WorkerConfig, WorkerMessage } from './worker-messages.js';

const workerScript = fileURLToPath(new URL('./worker.js', import.meta.url));

/** Signals that stop a worker on purpose (Ctrl-C, a job scheduler): its study is left unprocessed, not failed. */
const stopSignals = new Set(['SIGINT', 'SIGTERM', 'SIGHUP']);

/** Options of `runStudyPool`. */
export interface PoolOptions {
  /** Worker processes; at most one per task is started. */
  readonly jobs: number;
  readonly worker: WorkerConfig;
  /** Aborting it stops every worker with SIGTERM, and the studies in progress keep no result. */
  readonly signal?: AbortSignal;
}

/**
 * Processes `tasks` with `jobs` worker processes, each of which loads the segmentation model once
 * and stores every study's result under OUT/studies/. A study that fails is stored as failed and
 * the others go on. When a worker process dies on a study (a crash or the out-of-memory killer),
 * the study is stored as failed and a new worker takes the next study. `onOutcome` is called as each
 * study ends.
 * @throws DeepspineError when a worker cannot load the model (MODEL_FAILED): no study can succeed then.
 * @throws the reason of `options.signal` when it is aborted, after every worker busy with a study has exited.
 */
export async function runStudyPool(tasks: readonly StudyTask[], options: PoolOptions, logger: Logger, onOutcome: (outcome: StudyOutcome) => void): Promise<StudyOutcome[]> {
  const signal = options.signal;
  signal?.throwIfAborted();
  const outcomes: StudyOutcome[] = [];
  const workers = new Set<ChildProcess>();
  const stopWorkers = (): void => {
    for (const child of workers) child.kill('SIGTERM');
  };
  signal?.addEventListener('abort', stopWorkers, { once: true });
  let next = 0;
  let startFailure: unknown = null;
  const stopped = (): boolean => startFailure !== null || signal?.aborted === true;
  const lane = async (): Promise<void> => {
    let child: ChildProcess | null = null;
    try {
      while (next < tasks.length && !stopped()) {
        // A worker that died while idle is replaced before it is given a study.
        if (child !== null && (child.exitCode !== null || child.signalCode !== null)) child = null;
        child ??= await startWorker(options.worker, workers);
        // Another lane may have taken the last study while this one waited for its worker.
        if (next >= tasks.length || stopped()) break;
        const task = tasks[next++]!;
        const reply = await runTask(child, task);
        let outcome: StudyOutcome | null;
        if (reply.kind === 'outcome') {
          outcome = reply.outcome;
        } else {
          child = null;
          outcome = await recordWorkerExit(task, reply, options.worker, signal?.aborted === true, logger);
        }
        if (outcome !== null) {
          outcomes.push(outcome);
          onOutcome(outcome);
        }
      }
    } catch (error) {
      startFailure ??= error;
    } finally {
      if (child?.connected) child.disconnect();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.jobs, tasks.length) }, lane));
  } finally {
    signal?.removeEventListener('abort', stopWorkers);
  }
  // A worker killed while it loaded the model counts as a start failure, but the abort caused it.
  signal?.throwIfAborted();
  if (startFailure !== null) throw startFailure;
  return outcomes;
}

type TaskReply =
  | { kind: 'outcome'; outcome: StudyOutcome }
  | { kind: 'exited'; pid: number | undefined; code: number | null; signal: NodeJS.Signals | null; durationMs: number };

/** Starts a worker, adds it to `workers` until it exits, and waits until it has loaded the model. */
function startWorker(config: WorkerConfig, workers: Set<ChildProcess>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    // execArgv is cleared so that flags of the parent (node --test, --inspect) do not reach the worker.
    const child = fork(workerScript, [JSON.stringify(config)], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    workers.add(child);
    child.once('exit', () => workers.delete(child));
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    const onMessage = (message: WorkerMessage): void => {
      if (message.kind === 'ready') {
        cleanup();
        resolve(child);
      } else if (message.kind === 'init-failed') {
        cleanup();
        reject(errorFromFailure(message.error));
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup();
      reject(new DeepspineError('INTERNAL', `a dataset worker process exited (${describeExit(code, signal)}) before it loaded the segmentation model`));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new DeepspineError('INTERNAL', `starting a dataset worker process (${workerScript}) failed: ${error.message}`, { cause: error }));
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.on('error', onError);
  });
}

/** Sends one study to a worker and waits for its outcome, or for the worker to exit. */
function runTask(child: ChildProcess, task: StudyTask): Promise<TaskReply> {
  const start = performance.now();
  return new Promise((resolve) => {
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: WorkerMessage): void => {
      if (message.kind !== 'outcome') return;
      cleanup();
      resolve({ kind: 'outcome', outcome: message.outcome });
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup();
      resolve({ kind: 'exited', pid: child.pid, code, signal, durationMs: Math.round(performance.now() - start) });
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.send(task, (error) => {
      if (error === null) return;
      cleanup();
      child.kill();
      resolve({ kind: 'exited', pid: child.pid, code: null, signal: null, durationMs: 0 });
    });
  });
}

/**
 * Stores a failure for a study whose worker died on it. A worker stopped by SIGINT, SIGTERM or
 * SIGHUP leaves the study without a result, so the next run processes it again; null is returned.
 * `poolStopped` is set when the pool stopped the worker because its signal was aborted. The caller
 * requested that stop, so it is logged at debug level only.
 */
async function recordWorkerExit(
  task: StudyTask,
  reply: Extract<TaskReply, { kind: 'exited' }>,
  config: WorkerConfig,
  poolStopped: boolean,
  logger: Logger,
): Promise<StudyOutcome | null> {
  const out = config.out;
  if (reply.pid !== undefined) await removePartialFolders(out, task.folderName, reply.pid);
  if (reply.signal !== null && stopSignals.has(reply.signal)) {
    const message = `${task.studyId}: worker stopped by ${reply.signal}; the study stays unprocessed`;
    if (poolStopped) logger.debug(message);
    else logger.warn(message);
    return null;
  }
  const error: StudyFailure = {
    code: 'INTERNAL',
    exitCode: errorCodes.INTERNAL.exitCode,
    message: `the worker process exited (${describeExit(reply.code, reply.signal)}) while processing this study; SIGKILL usually means that it ran out of memory`,
  };
  const base = { studyId: task.studyId, folderName: task.folderName, levels: 0, warnings: [], durationMs: reply.durationMs };
  try {
    await commitStudyResult(out, task.folderName, async () => ({
      studyId: task.studyId,
      source: task.path,
      status: 'failed',
      attempts: task.attempt,
      finishedAt: new Date().toISOString(),
      durationMs: reply.durationMs,
      timingsMs: {},
      rows: [],
      warnings: [],
      error,
      provenance: config.provenance,
    }));
    return { ...base, status: 'failed', error };
  } catch (writeError) {
    return { ...base, status: 'not-stored', error: failureOf(writeError) };
  }
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `signal ${signal}` : `exit code ${code ?? 'unknown'}`;
}

function errorFromFailure(failure: StudyFailure): DeepspineError {
  const code: ErrorCode = failure.code in errorCodes ? (failure.code as ErrorCode) : 'INTERNAL';
  return new DeepspineError(code, failure.message);
}

import type { LogLevel } from '../log.js';
import type { DatasetProvenance } from './provenance.js';
import type { StudyFailure } from './study-result.js';

/** Settings a dataset worker process receives as its single command-line argument (JSON). */
export interface WorkerConfig {
  readonly out: string;
  /** Segmentation ONNX model; the shipped one when absent. */
  readonly modelPath?: string;
  /** onnxruntime intra-op threads of the worker. */
  readonly threads: number;
  readonly logLevel: LogLevel;
  /** Recorded in every result; its crop settings are the ones the worker extracts crops with. */
  readonly provenance: DatasetProvenance;
}

/** One study for a worker to process. */
export interface StudyTask {
  readonly studyId: string;
  readonly folderName: string;
  readonly path: string;
  /** 1 for a study without a result, else the attempts of the stored failure plus one. */
  readonly attempt: number;
}

/** Outcome of one study in a worker: its status, level count, error and duration. */
export interface StudyOutcome {
  readonly studyId: string;
  readonly folderName: string;
  /** 'not-stored' when the result itself could not be written; the study is then processed again next run. */
  readonly status: 'done' | 'failed' | 'not-stored';
  readonly levels: number;
  /** Codes of the study's warnings, such as SACRUM_NOT_IN_VIEW; empty unless the study is done. */
  readonly warnings: readonly string[];
  readonly error: StudyFailure | null;
  readonly durationMs: number;
}

/** Messages from a worker to the parent process. */
export type WorkerMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'init-failed'; readonly error: StudyFailure }
  | { readonly kind: 'outcome'; readonly outcome: StudyOutcome };

/**
 * The catalog of failures that deepspine reports to users. Each code has one CLI exit status, listed
 * in docs/errors.md; messages name the file or value and what to do next.
 */
export const errorCodes = {
  INTERNAL: { exitCode: 1, summary: 'unexpected internal error' },
  INVALID_ARGUMENT: { exitCode: 2, summary: 'invalid command-line argument or option' },
  INPUT_NOT_FOUND: { exitCode: 3, summary: 'input path does not exist' },
  UNREADABLE_INPUT: { exitCode: 4, summary: 'no readable image in the input' },
  NO_MR_SERIES: { exitCode: 5, summary: 'the study contains no MR image series' },
  NO_SAGITTAL_SERIES: { exitCode: 6, summary: 'no sagittal series to find the levels on' },
  NOT_LUMBAR_SPINE: { exitCode: 7, summary: 'the image does not show a lumbar spine' },
  MODEL_FAILED: { exitCode: 8, summary: 'a model file is missing or failed to run' },
  OUTPUT_FAILED: { exitCode: 9, summary: 'writing an output file failed' },
  INVALID_REPORT_FILE: { exitCode: 10, summary: 'a report file has no id or text column, or is not valid CSV or JSONL' },
  DATASET_MIXED_PROVENANCE: { exitCode: 11, summary: 'the dataset results were made with different segmentation models or crop settings' },
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** An error with a catalog code; `file` names the input it concerns, when there is one. */
export class DeepspineError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;

  constructor(code: ErrorCode, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeepspineError';
    this.code = code;
    this.file = options.file;
  }

  get exitCode(): number {
    return errorCodes[this.code].exitCode;
  }
}

/** Returns the exit status for any thrown value: the catalog's for a DeepspineError, else 1. */
export function exitCodeOf(error: unknown): number {
  return error instanceof DeepspineError ? error.exitCode : errorCodes.INTERNAL.exitCode;
}

/** A problem that does not stop the run: it is logged and written into results.json. */
export interface Warning {
  readonly code: string;
  readonly message: string;
  readonly file?: string;
}

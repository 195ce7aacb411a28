import { constants } from 'node:os';

/** Signals that interrupt a long command: it stops its worker processes and exits with signalExitCode. */
export const interruptSignals = ['SIGINT', 'SIGTERM'] as const;

/** Returns the exit status that a shell reports for a process ended by `signal`: 128 plus its number, 143 for SIGTERM. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

import { Command, CommanderError, Option } from 'commander';
import { DeepspineError, exitCodeOf } from '../errors.js';
import { createLogger, printable, type Logger, type LogLevel } from '../log.js';
import { exportSegmentationDataset } from '../segmentation/dataset.js';
import { checkSpacingMm, defaultSegmentationModelPath, readSegmentationModelInfo } from '../segmentation/model.js';
import { runEvaluate } from './evaluate-command.js';
import { runAnalyzeCommand, type AnalyzeCliOptions } from './analyze-cli.js';
import { prepareDemoStudy } from './demo-study.js';
import { runExtract, type ExtractOptions } from './extract-command.js';
import { DEFAULT_MAX_CHARS } from '../reports/io.js';
import { runLabelReports, type LabelReportsCliOptions } from './label-reports-command.js';
import { defaultMinLevelConfidence } from '../dataset/join.js';
import { runDatasetBuild, type DatasetBuildCliOptions } from './dataset-command.js';
import { gradeSlices } from '../grading/grade-slices.js';
import { packageVersion } from '../package-version.js';

interface GlobalOptions {
  verbose?: boolean;
  quiet?: boolean;
}

function loggerFor(options: GlobalOptions, timings?: Record<string, number>): Logger {
  let level: LogLevel = 'info';
  if (options.verbose) level = 'debug';
  else if (options.quiet) level = 'warn';
  return createLogger(timings ? { level, timings } : { level });
}

/** Builds the command tree; each action returns the process exit status. */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('deepspine')
    .description('Lumbar spine MRI: find and name the disc levels, measure and grade each level.')
    .version(packageVersion(), '-V, --version', 'print the deepspine version and exit')
    .option('-v, --verbose', 'log debug messages')
    .addOption(new Option('-q, --quiet', 'log only warnings and errors').conflicts('verbose'))
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    // Each command's help then lists -q and -v too, which are given before or after the command name.
    .configureHelp({ showGlobalOptions: true });

  program
    .command('export-segmentation-data')
    .description('export preprocessed sagittal planes and labels of labelled volumes for segmentation training')
    .argument('<volumes>', 'folder with one subfolder per case (image.nii.gz, labels.nii.gz, meta.json)')
    .requiredOption('--out <dir>', 'output folder for the planes and manifest.json')
    .option('--spacing <mm>', 'in-plane spacing of the exported planes (default: that of the shipped model)')
    .action(async (volumes: string, options: { out: string; spacing?: string }) => {
      const logger = loggerFor(program.opts<GlobalOptions>());
      let spacingMm: number;
      if (options.spacing === undefined) {
        spacingMm = (await readSegmentationModelInfo(defaultSegmentationModelPath)).spacingMm;
      } else {
        // Plain decimals only, because Number() also accepts '0x10', 'Infinity' and ''.
        const decimal = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(options.spacing);
        spacingMm = decimal ? Number(options.spacing) : NaN;
        const problem = checkSpacingMm(spacingMm);
        if (problem !== null) {
          throw new DeepspineError('INVALID_ARGUMENT', `--spacing ${problem}, got ${JSON.stringify(options.spacing)}`);
        }
      }
      await exportSegmentationDataset(volumes, options.out, spacingMm, logger);
      setExit(0);
    });

  program
    .command('analyze')
    .description('find, name and measure the disc levels of lumbar spine MRI studies')
    .argument('[studies...]', 'DICOM study folders or NIfTI, MHA, MHD or NRRD volume files')
    .option('--demo', 'analyze the built-in synthetic phantom study')
    .option('--out <dir>', 'output folder (one subfolder per study when several are given)', 'deepspine-out')
    .option('--sagittal-series <id>', 'use this sagittal series: SeriesInstanceUID, SeriesNumber or SeriesDescription')
    .option('--axial-series <id>', 'use this axial series, matched like --sagittal-series')
    .option('--model <path>', 'segmentation ONNX model, with its .json sidecar beside it (default: the shipped model)')
    .option('--grading-model <path>', 'grading ONNX model, with its .json sidecar beside it, as the grading export writes them (default: the shipped model)')
    .option('--jobs <n>', 'studies analyzed in parallel, one process each (default: number of CPU cores / 2)')
    .option('--shard <index/count>', 'analyze only studies whose sorted position modulo COUNT equals INDEX, to split a list across machines; the summary is batch-summary-shard-INDEX-of-COUNT.json')
    .option('--resume', 'in a batch, skip the studies whose folder holds results of an earlier run of this version with the same models (give the same other options); like --shard, it makes a single study a batch')
    .option('--threads <n>', 'CPU threads for model inference in one process, in a batch in each of its processes (default: onnxruntime decides; in a batch, the CPU cores shared among the processes)')
    .action(async (studies: string[], options: AnalyzeCliOptions) => {
      const logger = loggerFor(program.opts<GlobalOptions>());
      setExit(await runAnalyzeCommand(studies, options, logger));
    });

  program
    .command('demo')
    .description('write the built-in synthetic phantom as a DICOM study (with truth.json), for trying deepspine out')
    .requiredOption('--out <dir>', 'folder to write the study into')
    .action(async (options: { out: string }) => {
      const logger = loggerFor(program.opts<GlobalOptions>());
      await prepareDemoStudy(options.out, logger);
      setExit(0);
    });

  program
    .command('extract')
    .description('write per-disc sagittal and axial crops and a manifest (one row per study and level) for grading training')
    .argument('<studies...>', 'DICOM study folders or NIfTI, MHA, MHD or NRRD volume files')
    .requiredOption('--out <dir>', 'output folder for crops/ and manifest.csv')
    .option('--model <path>', 'segmentation ONNX model, with its .json sidecar beside it (default: the shipped model)')
    .option('--shard <index/count>', 'take only studies whose sorted position modulo COUNT equals INDEX; writes into OUT/shard-INDEX-of-COUNT (docs/grading.md shows how to combine the shards)')
    .action(async (studies: string[], options: ExtractOptions) => {
      const logger = loggerFor(program.opts<GlobalOptions>());
      setExit(await runExtract(studies, options, logger));
    });

  const dataset = program.command('dataset').description('build grading training sets from studies and their radiology reports');
  dataset
    .command('build')
    .description('extract per-disc crops of every study, label the reports and join them by study id into manifest.csv')
    .requiredOption('--studies <dir>', 'folder with one DICOM study folder or NIfTI, MHA, MHD or NRRD file per study; the entry name without its extension is the study id')
    .requiredOption('--reports <file>', 'report file, CSV (columns id and text) or JSONL, whose ids are study ids')
    .requiredOption('--out <dir>', 'output folder for studies/, labels.jsonl, manifest.csv and summary.json; rerunning skips studies already stored')
    .option('--jobs <n>', 'studies processed in parallel, one worker process each (default: number of CPU cores)')
    .option('--shard <index/count>', 'process only studies whose sorted position modulo COUNT equals INDEX; the manifest still joins every stored study')
    .option('--model <path>', 'segmentation ONNX model, with its .json sidecar beside it (default: the shipped model)')
    .option('--rules <dir>', 'folder of extra report labeler rules, merged over the shipped rules; repeat the option for several', (dir: string, dirs: string[]) => [...dirs, dir], [] as string[])
    .option('--retry-failed', 'process again the studies that an earlier run stored as failed')
    .option('--min-level-confidence <c>', `rows whose level name has a lower confidence (0 to 1) get no report labels, because the name may be shifted (default: ${defaultMinLevelConfidence})`)
    .action(async (options: DatasetBuildCliOptions) => {
      const logger = loggerFor(program.opts<GlobalOptions>());
      setExit(await runDatasetBuild(options, logger));
    });

  program
    .command('label-reports')
    .description('label free-text lumbar MRI reports: one JSON line per report with each condition at each disc level')
    .argument('<input>', 'CSV file with the columns id and text, or JSONL (.jsonl, .ndjson) with one {"id", "text"} object per line')
    .requiredOption('--out <file>', 'JSONL file to write, one labeled report per input row in input order')
    .option('--rules <dir>', 'extra rules folder loaded after the shipped rules; repeat the option for several', (dir: string, dirs: string[]) => [...dirs, dir], [] as string[])
    .option('--max-chars <n>', `reports longer than this many characters are not labeled (default: ${DEFAULT_MAX_CHARS})`)
    .option('--sparse', 'write only the levels and conditions a report states, instead of every one with null')
    .action(async (input: string, options: LabelReportsCliOptions) => {
      const logger = loggerFor(program.opts<GlobalOptions>());
      setExit(await runLabelReports(input, options, logger));
    });

  program
    .command('grade-slices')
    .description('grade every disc on 2-D sagittal slices laid out as slices.csv plus images/, one CSV row per disc')
    .argument('<dir>', 'folder with slices.csv and the images it lists')
    .requiredOption('--out <file>', 'CSV file to write')
    .option('--model <path>', 'grading ONNX model (default: the shipped model)')
    .action(async (dir: string, options: { out: string; model?: string }) => {
      const logger = loggerFor(program.opts<GlobalOptions>());
      // gradeSlices logs the untrained heads and the disc and series counts itself.
      await gradeSlices(dir, options.out, logger, options.model !== undefined ? { modelPath: options.model } : {});
      setExit(0);
    });

  program
    .command('evaluate')
    .description('print per-case and mean Dice for vertebral body and disc, and level-naming accuracy, on labelled volumes')
    .argument('<dir>', 'folder with one subfolder per case: image.nii.gz, labels.nii.gz, optional instances.nii.gz and meta.json')
    .option('--model <path>', 'segmentation ONNX model, with its .json sidecar beside it (default: the shipped model)')
    .option('--cases <names...>', 'evaluate only these case folders')
    .option('--json <file>', 'also write the full evaluation as JSON to this file, in a folder that exists')
    .action(async (dir: string, options: { model?: string; cases?: string[]; json?: string }) => {
      const logger = loggerFor(program.opts<GlobalOptions>());
      await runEvaluate(dir, options, logger);
      setExit(0);
    });

  return program;
}

/** Runs the CLI on `argv` and returns the exit status. Errors are printed on stderr and mapped to exit codes instead of being thrown. */
export async function runCli(argv: string[]): Promise<number> {
  let exitCode = 0;
  try {
    // Built inside the try, because reading the package version can fail on a broken install.
    const program = buildProgram((code) => {
      exitCode = code;
    });
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    // A message may quote a path or a series description, so it is written as one printable line.
    // Only the stack trace of a bug keeps its line breaks.
    let message = `error: ${printable(String(error))}`;
    if (error instanceof DeepspineError) message = `error: ${printable(error.message)}`;
    else if (error instanceof Error) message = `error: ${(error.stack ?? error.message).split('\n').map(printable).join('\n')}`;
    process.stderr.write(message + '\n');
    return exitCodeOf(error);
  }
}

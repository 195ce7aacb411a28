import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseShard } from '../../src/cli/analyze-command.js';
import { formatBatchTable } from '../../src/cli/batch.js';
import { repoRoot, sharedPath, skipWithoutSharedData } from '../shared-data.js';

const scratch = mkdtempSync(join(tmpdir(), 'deepspine-cli-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Runs the built CLI in a child process, as a user would, and captures its output. */
async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runIn(process.cwd(), ...args);
}

/** Runs the built CLI like `run`, with `cwd` as the working folder. */
async function runIn(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      let code = 0;
      if (error !== null) code = typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('deepspine CLI exit codes', () => {
  it('missing study is exit 3', async () => {
    const result = await run('analyze', join(scratch, 'absent'), '--out', join(scratch, 'o1'));
    assert.equal(result.code, 3);
    assert.match(result.stderr, /absent/);
  });

  it('unknown option is exit 2', async () => {
    const result = await run('analyze', '--no-such-option');
    assert.equal(result.code, 2);
  });

  for (const flag of ['--version', '-V']) {
    it(`${flag} prints the package version`, async () => {
      const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
      const result = await run(flag);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `${version}\n`);
    });
  }

  for (const flags of [['-q', '-v'], ['--verbose', '--quiet']]) {
    it(`${flags.join(' ')} together is exit 2`, async () => {
      const result = await run(...flags, 'analyze', join(scratch, 'absent'), '--out', join(scratch, 'o5'));
      assert.equal(result.code, 2);
      assert.match(result.stderr, /option '-q, --quiet' cannot be used with option '-v, --verbose'/);
      assert.equal(existsSync(join(scratch, 'o5')), false);
    });
  }

  it('analyze without input is exit 2', async () => {
    const result = await run('analyze', '--out', join(scratch, 'o2'));
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no study given/);
  });

  for (const input of [[join(scratch, 'absent')], ['--demo']]) {
    it(`--jobs 0 is exit 2 with ${input.join(' ')} alone`, async () => {
      const result = await run('analyze', ...input, '--jobs', '0', '--out', join(scratch, 'o4'));
      assert.equal(result.code, 2);
      assert.match(result.stderr, /--jobs 0: expected a whole number of at least 1/);
    });

    it(`--shard 3/2 is exit 2 with ${input.join(' ')} alone`, async () => {
      const result = await run('analyze', ...input, '--shard', '3/2', '--out', join(scratch, 'o5'));
      assert.equal(result.code, 2);
      assert.match(result.stderr, /--shard 3\/2: expected INDEX\/COUNT with 0 <= INDEX < COUNT/);
    });
  }

  it('--shard with --demo is exit 2', async () => {
    const result = await run('analyze', '--demo', '--shard', '0/2', '--out', join(scratch, 'o6'));
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--shard splits a list of studies; it does not apply to --demo/);
  });

  it('escapes control characters in errors', async () => {
    const result = await run('analyze', join(scratch, 'no\u001b[31mRED\nerror: forged line'), '--out', join(scratch, 'o-escape'));
    assert.equal(result.code, 3);
    assert.ok(!result.stderr.includes('\u001b'), result.stderr);
    assert.deepEqual(
      result.stderr.split('\n').filter((line) => line.startsWith('error:')).length,
      1,
    );
    assert.match(result.stderr, /no\\x1b\[31mRED\\x0aerror: forged line/);
  });

  it('missing --grading-model is exit 8', async () => {
    const missing = join(scratch, 'no-such-grading.onnx');
    const out = join(scratch, 'grading-model-out');

    const result = await run('analyze', '--demo', '--grading-model', missing, '--out', out);

    assert.equal(result.code, 8, result.stderr);
    assert.match(result.stderr, /grading model .*no-such-grading\.onnx not found; check the path given with --grading-model/);
    assert.equal(existsSync(out), false);
  });

  it('batch takes --threads per process', async () => {
    const out = join(scratch, 'threads-out');
    const result = await run('analyze', join(scratch, 'missing', 't1'), join(scratch, 'missing', 't2'), '--jobs', '2', '--threads', '3', '--out', out);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /with 2 processes of 3 threads/);
  });

  it('empty --out is exit 2', async () => {
    const result = await runIn(scratch, 'analyze', join(scratch, 'absent-study'), '--out', '');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--out is empty/);
    assert.ok(!existsSync(join(scratch, 'results.json')));
  });

  it('folder named like the batch summary is exit 9', async () => {
    const out = join(scratch, 'batch-blocked');
    mkdirSync(join(out, 'batch-summary.json'), { recursive: true });
    // Neither study exists. The summary path is checked before any study runs, so this is exit 9, not 3.
    const result = await run('analyze', join(scratch, 'absent-a'), join(scratch, 'absent-b'), '--out', out);
    assert.equal(result.code, 9);
    assert.match(result.stderr, /batch-summary\.json: cannot write the batch summary, a folder is in the way/);
    assert.deepEqual(readdirSync(out), ['batch-summary.json']);
  });

  it('blocked output folder is exit 9', async () => {
    const blocker = join(scratch, 'a-file');
    writeFileSync(blocker, 'in the way');
    // The study does not exist either. The output folder is checked first, so this is exit 9, not 3.
    const result = await run('analyze', join(scratch, 'absent-study'), '--out', join(blocker, 'sub'));
    assert.equal(result.code, 9);
    assert.match(result.stderr, /a-file\/sub: cannot create the output folder/);
  });

  for (const spacing of ['0', '-1', 'abc', '', 'Infinity', '0x10', '1e-9', '9']) {
    it(`export-segmentation-data --spacing ${JSON.stringify(spacing)} is exit 2`, async () => {
      const result = await run('export-segmentation-data', scratch, '--out', join(scratch, 'planes'), '--spacing', spacing);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /--spacing must (be a number of mm|lie between 0\.25 and 4 mm)/);
    });
  }

  it('export without labelled cases is exit 4', async () => {
    const empty = join(scratch, 'no-cases');
    mkdirSync(empty);
    const result = await run('export-segmentation-data', empty, '--out', join(scratch, 'planes'));
    assert.equal(result.code, 4);
    assert.match(result.stderr, /no-cases: no case folder with labels\.nii\.gz/);
    assert.equal(existsSync(join(scratch, 'planes', 'manifest.json')), false);
  });

  it('failed run removes earlier results', async () => {
    const out = join(scratch, 'earlier-run');
    mkdirSync(out, { recursive: true });
    for (const name of ['results.json', 'overlay.png', 'segmentation.nii.gz', 'notes.txt']) writeFileSync(join(out, name), 'from an earlier run');
    const garbage = join(scratch, 'garbage.nii');
    writeFileSync(garbage, 'not a volume');

    const result = await run('analyze', garbage, '--out', out);

    assert.equal(result.code, 4, result.stderr);
    assert.deepEqual(readdirSync(out), ['notes.txt']);
  });

  it('never removes the study', async () => {
    const out = join(scratch, 'study-as-output');
    mkdirSync(out, { recursive: true });
    const study = join(out, 'segmentation.nii.gz');
    writeFileSync(study, 'the study, named like an output');
    writeFileSync(join(out, 'results.json'), 'from an earlier run');

    const result = await run('analyze', study, '--out', out);

    assert.equal(result.code, 9, result.stderr);
    assert.match(result.stderr, /segmentation\.nii\.gz: the study itself has the name of an output file/);
    assert.equal(readFileSync(study, 'utf8'), 'the study, named like an output');
    // Nothing is removed once the study is found among the output names.
    assert.equal(readFileSync(join(out, 'results.json'), 'utf8'), 'from an earlier run');
  });

  it('keeps files inside a study folder given as output', async () => {
    const study = join(scratch, 'folder-as-output');
    mkdirSync(study, { recursive: true });
    writeFileSync(join(study, 'overlay.png'), 'part of the study');

    const result = await run('analyze', study, '--out', study);

    assert.equal(result.code, 4, result.stderr);
    assert.equal(readFileSync(join(study, 'overlay.png'), 'utf8'), 'part of the study');
  });

  it('removes every earlier output it can', async () => {
    const out = join(scratch, 'results-folder');
    mkdirSync(join(out, 'results.json'), { recursive: true });
    for (const name of ['overlay.png', 'segmentation.nii.gz']) writeFileSync(join(out, name), 'from an earlier run');
    const garbage = join(scratch, 'garbage-2.nii');
    writeFileSync(garbage, 'not a volume');

    const result = await run('analyze', garbage, '--out', out);

    assert.equal(result.code, 9, result.stderr);
    assert.match(result.stderr, /cannot remove the output of an earlier run: .*results\.json \(a folder\)/);
    assert.deepEqual(readdirSync(out), ['results.json']);
  });

  it('batch with a bad model touches no folder', async () => {
    const out = join(scratch, 'bad-model-batch');
    const grading = join(repoRoot, 'models', 'grading', 'grading.onnx');

    const result = await run('analyze', join(scratch, 'missing', 'm1'), join(scratch, 'missing', 'm2'), '--model', grading, '--out', out);

    assert.equal(result.code, 8, result.stderr);
    assert.match(result.stderr, /grading\.json: expected format deepspine-segmentation-model\/1/);
    assert.equal(existsSync(out), false);
  });

  it('cervical spine is exit 7', { skip: skipWithoutSharedData('volumes', 'tptbox-cervical') }, async () => {
    const result = await run('analyze', sharedPath('volumes', 'tptbox-cervical', 'image.nii.gz'), '--out', join(scratch, 'o3'));
    assert.equal(result.code, 7);
    assert.match(result.stderr, /does not look like a lumbar spine/);
  });
});

describe('formatBatchTable', () => {
  it('names the study before its table', () => {
    assert.equal(formatBatchTable('a/ivd-11', 'out/ivd-11', 'Level\nL4-L5\n'), 'Study a/ivd-11, results in out/ivd-11:\nLevel\nL4-L5\n\n');
  });

  it('ends an unterminated table', () => {
    assert.equal(formatBatchTable('s', 'o', 'Level'), 'Study s, results in o:\nLevel\n\n');
  });
});

describe('parseShard', () => {
  it('parses INDEX/COUNT', () => assert.deepEqual(parseShard('1/4'), { index: 1, count: 4 }));
  for (const bad of ['4/4', '1', 'a/b', '0/0', '-1/2']) {
    it(`rejects ${bad}`, () => assert.throws(() => parseShard(bad), /expected INDEX\/COUNT/));
  }
});

interface BatchSummary {
  studies: { study: string; outDir: string; exitCode: number; error: string | null; fromEarlierRun?: true }[];
}

function readSummary(path: string): BatchSummary {
  return JSON.parse(readFileSync(path, 'utf8')) as BatchSummary;
}

describe('analyze batch folders', () => {
  it('shards share one output folder', async () => {
    // The studies do not exist, so every run fails fast with exit 3 but still writes its summary.
    const out = join(scratch, 'shared-out');
    const studies = ['a/x-3', 'b/x', 'c/x'].map((name) => join(scratch, 'missing', name));
    for (const shard of ['0/2', '1/2']) {
      const result = await run('analyze', ...studies, '--out', out, '--shard', shard);
      assert.equal(result.code, 3, result.stderr);
    }
    assert.deepEqual(readdirSync(out).filter((name) => name.endsWith('.json')).sort(), ['batch-summary-shard-0-of-2.json', 'batch-summary-shard-1-of-2.json']);
    const first = readSummary(join(out, 'batch-summary-shard-0-of-2.json'));
    const second = readSummary(join(out, 'batch-summary-shard-1-of-2.json'));
    // Sorted: a/x-3, b/x, c/x. Shard 0 takes positions 0 and 2, shard 1 position 1.
    assert.deepEqual(first.studies.map((s) => [s.study, s.outDir]), [
      [studies[0], join(out, 'x-3')],
      [studies[2], join(out, 'x-2')],
    ]);
    assert.deepEqual(second.studies.map((s) => [s.study, s.outDir]), [[studies[1], join(out, 'x')]]);
  });

  it('unsharded batch writes batch-summary.json', async () => {
    const out = join(scratch, 'unsharded-out');
    const result = await run('analyze', join(scratch, 'missing', 'p'), join(scratch, 'missing', 'q'), '--out', out);
    assert.equal(result.code, 3, result.stderr);
    assert.deepEqual(readdirSync(out).filter((name) => name.endsWith('.json')), ['batch-summary.json']);
    assert.match(result.stderr, /summary in batch-summary\.json/);
  });

  it('batch runs a repeated study once', async () => {
    const out = join(scratch, 'repeat-out');
    const study = join(scratch, 'missing', 'twice');

    const result = await run('analyze', study, study, '--out', out);

    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /twice: given more than once \(first as .*twice\); analyzed once/);
    assert.equal(readSummary(join(out, 'batch-summary.json')).studies.length, 1);
  });

  it('batch runs hard links of one file once', async () => {
    const out = join(scratch, 'hard-link-out');
    const first = join(scratch, 'linked-a.nii');
    const second = join(scratch, 'linked-b.nii');
    writeFileSync(first, 'not a volume');
    linkSync(first, second);

    const result = await run('analyze', first, second, '--out', out);

    assert.equal(result.code, 4, result.stderr);
    assert.match(result.stderr, /linked-b\.nii: the same study as .*linked-a\.nii/);
    assert.equal(readSummary(join(out, 'batch-summary.json')).studies.length, 1);
  });

  it('batch errors have one prefix', async () => {
    const out = join(scratch, 'prefix-out');
    const studies = ['r', 's'].map((name) => join(scratch, 'missing', name));
    const result = await run('analyze', ...studies, '--out', out, '--jobs', '1');
    assert.equal(result.code, 3, result.stderr);
    const notFound = (study: string): string => `input not found: ${study}; give a folder of DICOM files or a NIfTI, MHA, MHD or NRRD volume file`;
    const failures = result.stderr.split('\n').filter((line) => line.includes('failed with exit code'));
    assert.deepEqual(failures, studies.map((study, index) => `error: [${index + 1}/2] ${study}: failed with exit code 3: ${notFound(study)}`));
    const summary = readSummary(join(out, 'batch-summary.json'));
    assert.deepEqual(summary.studies.map((s) => s.error), studies.map(notFound));
  });

  it('. and .. stay inside --out', async () => {
    // From study/sag_t2, `..` is the study folder and `.` the series folder. Both are empty here, so both fail.
    const cwd = join(scratch, 'dot-study', 'sag_t2');
    mkdirSync(cwd, { recursive: true });
    const result = await runIn(cwd, 'analyze', '..', '.', '--out', 'out', '--jobs', '1');
    assert.notEqual(result.code, 0);
    const out = join(cwd, 'out');
    const summary = readSummary(join(out, 'batch-summary.json'));
    assert.deepEqual(summary.studies.map((s) => [s.study, s.outDir]), [
      ['.', join('out', 'sag_t2')],
      ['..', join('out', 'dot-study')],
    ]);
    assert.equal(existsSync(join(dirname(cwd), 'results.json')), false);
    assert.deepEqual(readdirSync(out).sort(), ['batch-summary.json', 'dot-study', 'sag_t2']);
  });
});

describe('analyze output files', () => {
  it('writes results, segmentation and overlay', { skip: skipWithoutSharedData('dicom', 'ivd-11') }, async () => {
    const out = join(scratch, 'single');
    const result = await run('analyze', sharedPath('dicom', 'ivd-11'), '--out', out);
    assert.equal(result.code, 0, result.stderr);
    for (const file of ['results.json', 'segmentation.nii.gz', 'overlay.png']) assert.ok(existsSync(join(out, file)), file);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.equal(results.format, 'deepspine-results/1');
    assert.deepEqual(
      results.levels.map((l: { level: string }) => l.level).filter((name: string) => name !== 'T12-L1'),
      ['L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'],
    );
    for (const step of ['decode', 'resample', 'segmentation', 'post-processing']) assert.ok(step in results.timingsMs, step);
    assert.match(result.stdout, /L4-L5/);
    // The study has an axial series, so a level without an axial crop must state the reason.
    for (const level of results.levels as { level: string; grades: { usedAxial: boolean; axialMissingReason: string | null } }[]) {
      assert.equal(typeof level.grades.usedAxial, 'boolean', level.level);
      if (level.grades.usedAxial) assert.equal(level.grades.axialMissingReason, null, level.level);
      else assert.match(level.grades.axialMissingReason ?? '', /\w/, `${level.level} has usedAxial false and no axialMissingReason`);
    }
    // No patient identifiers: the shared studies carry PatientName ANON^IVD-11 and dates 20000101.
    const text = readFileSync(join(out, 'results.json'), 'utf8') + result.stdout + result.stderr;
    assert.doesNotMatch(text, /ANON\^|20000101/);
  });

  it('batch keeps going after a failed study', { skip: skipWithoutSharedData('dicom', 'ivd-11') }, async () => {
    const out = join(scratch, 'batch');
    const result = await run('analyze', sharedPath('dicom', 'ivd-11'), join(scratch, 'absent-study'), '--out', out, '--jobs', '2');
    assert.equal(result.code, 3);
    const summary = JSON.parse(readFileSync(join(out, 'batch-summary.json'), 'utf8')) as { studies: { study: string; exitCode: number }[] };
    assert.deepEqual(summary.studies.map((s) => s.exitCode).sort(), [0, 3]);
    assert.ok(existsSync(join(out, 'ivd-11', 'results.json')));
  });

  it('batch prints each level table', { skip: skipWithoutSharedData('dicom', 'ivd-11') }, async () => {
    const out = join(scratch, 'batch-tables');
    const study = sharedPath('dicom', 'ivd-11');
    const absent = join(scratch, 'absent-study');
    const result = await run('analyze', study, absent, '--out', out, '--jobs', '2');
    assert.equal(result.code, 3, result.stderr);
    // The table that the same study prints when analyzed alone, also to a pipe as here.
    const single = await run('analyze', study, '--out', join(scratch, 'single-table'));
    assert.equal(single.code, 0, single.stderr);
    assert.match(single.stdout, /^L4-L5 /m);
    assert.equal(result.stdout, formatBatchTable(study, join(out, 'ivd-11'), single.stdout));
    assert.ok(!result.stdout.includes(absent));
  });

  it('resume keeps finished studies', { skip: skipWithoutSharedData('dicom', 'ivd-11') }, async () => {
    const out = join(scratch, 'resume');
    const study = sharedPath('dicom', 'ivd-11');
    const absent = join(scratch, 'absent-resume');
    const resultsPath = join(out, 'ivd-11', 'results.json');
    const entryOf = (name: string) => readSummary(join(out, 'batch-summary.json')).studies.find((entry) => entry.study === name)!;
    assert.equal((await run('analyze', study, absent, '--out', out, '--jobs', '1')).code, 3);
    const written = statSync(resultsPath).mtimeMs;

    const again = await run('analyze', study, absent, '--out', out, '--resume');

    assert.equal(again.code, 3, again.stderr);
    assert.match(again.stderr, /1 of 2 studies have results of an earlier run/);
    assert.equal(statSync(resultsPath).mtimeMs, written);
    assert.equal(entryOf(study).fromEarlierRun, true);
    assert.equal(entryOf(absent).exitCode, 3);
    // Results of another version are not kept.
    const results = JSON.parse(readFileSync(resultsPath, 'utf8')) as { deepspineVersion: string };
    writeFileSync(resultsPath, JSON.stringify({ ...results, deepspineVersion: '0.0.0-other' }));
    assert.equal((await run('analyze', study, absent, '--out', out, '--resume')).code, 3);
    assert.equal(entryOf(study).fromEarlierRun, undefined);
    assert.equal((JSON.parse(readFileSync(resultsPath, 'utf8')) as { deepspineVersion: string }).deepspineVersion, results.deepspineVersion);
    // Another study that takes the same folder name is analyzed, not given the earlier results.
    const other = join(scratch, 'other-list', 'ivd-11');
    mkdirSync(dirname(other), { recursive: true });
    symlinkSync(study, other, 'dir');
    assert.equal((await run('analyze', other, absent, '--out', out, '--resume')).code, 3);
    assert.equal(entryOf(other).fromEarlierRun, undefined);
    assert.equal(entryOf(other).exitCode, 0);
  });

  it('resume compares absolute study paths', { skip: skipWithoutSharedData('dicom', 'vb3-01') }, async () => {
    const out = join(scratch, 'resume-cwd');
    const [siteA, siteB] = ['site-a', 'site-b'].map((name) => join(scratch, name));
    mkdirSync(siteA, { recursive: true });
    mkdirSync(siteB, { recursive: true });
    symlinkSync(sharedPath('dicom', 'ivd-11'), join(siteA, 'p1'), 'dir');
    symlinkSync(sharedPath('dicom', 'vb3-01'), join(siteB, 'p1'), 'dir');
    assert.equal((await runIn(siteA, 'analyze', 'p1', 'absent', '--out', out)).code, 3);

    // The same relative name from another folder is another study.
    const again = await runIn(siteB, 'analyze', 'p1', 'absent', '--out', out, '--resume');

    assert.equal(again.code, 3, again.stderr);
    const entry = readSummary(join(out, 'batch-summary.json')).studies.find((s) => s.study === 'p1')!;
    assert.equal(entry.fromEarlierRun, undefined);
    assert.equal(entry.exitCode, 0);
  });

  it('interrupted batch records unfinished studies', { skip: skipWithoutSharedData('dicom', 'vb3-01') }, async () => {
    const out = join(scratch, 'interrupted');
    const studies = ['ivd-11', 'vb3-01'].map((name) => sharedPath('dicom', name));
    const child = spawn(process.execPath, [cli, 'analyze', ...studies, '--out', out, '--jobs', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // Stopped once the first study is done, while the second runs or is about to start.
      if (stderr.includes('[1/2]') && !child.killed) child.kill('SIGTERM');
    });

    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

    assert.equal(code, 143, stderr);
    assert.match(stderr, /batch interrupted by SIGTERM; stopping the running studies/);
    const summary = readSummary(join(out, 'batch-summary.json'));
    assert.deepEqual(summary.studies.map((entry) => entry.exitCode), [0, 143]);
    assert.equal(summary.studies[1]!.error, 'not finished: the batch was interrupted by SIGTERM');
  });

  it('shard picks every COUNT-th study', { skip: skipWithoutSharedData('dicom', 'ivd-11') }, async () => {
    const out = join(scratch, 'shard');
    const studies = ['vb2-02', 'ivd-11', 'vb3-01'].map((name) => sharedPath('dicom', name));
    const result = await run('analyze', ...studies, '--out', out, '--shard', '1/2');
    const summary = readSummary(join(out, 'batch-summary-shard-1-of-2.json'));
    // Sorted: ivd-11, vb2-02, vb3-01; shard 1 of 2 takes position 1 only.
    assert.deepEqual(summary.studies.map((s) => s.study), [sharedPath('dicom', 'vb2-02')]);
    assert.ok([0, 7].includes(result.code));
  });
});

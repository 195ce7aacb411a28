import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { planExtractStudies } from '../../src/cli/extract-command.js';
import { readNpyFloat32 } from '../../src/crops/npy.js';
import { defaultCropSpec } from '../../src/crops/extract.js';
import { DeepspineError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { sharedPath, skipWithoutSharedData } from '../shared-data.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'deepspine-extract-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function run(...args: string[]): Promise<number> {
  return runWithOutput(...args).then((result) => result.code);
}

/** Runs the built CLI with --quiet and returns its exit status and stderr. */
function runWithOutput(...args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, '--quiet', ...args], (error, _stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), stderr }));
  });
}

/** Creates a logger that stores its lines, for checking what was logged. */
function recordingLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ level: 'debug', write: (line) => lines.push(line) }), lines };
}

function manifestRows(out: string): string[][] {
  const lines = readFileSync(join(out, 'manifest.csv'), 'utf8').trim().split('\n');
  return lines.slice(1).map((line) => line.split(','));
}

describe('deepspine extract', () => {
  it('logs warning codes per study', { skip: skipWithoutSharedData('dicom', 'vb3-01') }, async () => {
    const out = join(scratch, 'warned');
    const stderr = await new Promise<string>((resolve) => {
      execFile(process.execPath, [cli, 'extract', sharedPath('dicom', 'vb3-01'), '--out', out], (_error, _stdout, text) => resolve(text));
    });
    // The image ends under its small lowest disc, so every level_confidence is low, and the line gives the reason.
    assert.match(stderr, /^\[1\/1\] vb3-01: \d levels \(warnings: [A-Z_, ]*SACRUM_NOT_IN_VIEW[A-Z_, ]*\)$/m);
  });

  it('writes crops and one manifest row per level', { skip: skipWithoutSharedData('dicom', 'ivd-11') }, async () => {
    const out = join(scratch, 'one');
    assert.equal(await run('extract', sharedPath('dicom', 'ivd-11'), '--out', out), 0);
    const lines = readFileSync(join(out, 'manifest.csv'), 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    const rows = lines.slice(1).map((line) => line.split(','));
    const column = (row: string[], name: string): string => row[header.indexOf(name)]!;
    const levels = rows.map((row) => column(row, 'level'));
    for (const name of ['L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1']) assert.ok(levels.includes(name), `${name} missing from ${levels.join(' ')}`);
    for (const row of rows) {
      assert.equal(column(row, 'study_id'), 'ivd-11');
      assert.equal(column(row, 'has_axial'), '1', `${column(row, 'level')} has no axial crop`);
      assert.ok(Number(column(row, 'level_confidence')) > 0.8, `${column(row, 'level')} confidence ${column(row, 'level_confidence')}`);
      const sagittal = await readNpyFloat32(join(out, column(row, 'sagittal_path')));
      const { slices, height, width } = defaultCropSpec.sagittal;
      assert.deepEqual(sagittal.shape, [slices, height, width]);
    }
  });

  it('writes a shard into its own folder', { skip: skipWithoutSharedData('dicom', 'ivd-11') }, async () => {
    const out = join(scratch, 'sharded');
    const code = await run('extract', sharedPath('dicom', 'vb2-02'), sharedPath('dicom', 'ivd-11'), '--out', out, '--shard', '1/2');
    assert.equal(code, 0);
    const manifest = readFileSync(join(out, 'shard-1-of-2', 'manifest.csv'), 'utf8');
    assert.match(manifest, /^vb2-02,/m);
    assert.doesNotMatch(manifest, /^ivd-11,/m);
    assert.ok(!existsSync(join(out, 'manifest.csv')));
  });

  it('extracts a path given twice once', { skip: skipWithoutSharedData('dicom', 'ivd-11') }, async () => {
    const out = join(scratch, 'twice');
    const study = sharedPath('dicom', 'ivd-11');
    const result = await runWithOutput('extract', study, `${study}/`, '--out', out);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /given more than once/);
    const levels = manifestRows(out).map((row) => row[2]!);
    assert.ok(levels.length >= 5, `only ${levels.length} rows`);
    assert.equal(new Set(levels).size, levels.length, `repeated levels: ${levels.join(' ')}`);
  });

  it('keeps the study id of dataset build', { skip: skipWithoutSharedData('dicom', 'ivd-11') }, async () => {
    // `dataset build` gives the entry "x y" the study id "x y" and replaces characters only in folder names.
    const studies = join(scratch, 'named');
    mkdirSync(studies);
    const study = join(studies, 'x y');
    symlinkSync(sharedPath('dicom', 'ivd-11'), study, 'dir');
    const out = join(scratch, 'named-out');
    const result = await runWithOutput('extract', study, '--out', out);
    assert.equal(result.code, 0, result.stderr);
    const rows = manifestRows(out);
    assert.ok(rows.length >= 5, `only ${rows.length} rows`);
    for (const row of rows) {
      assert.equal(row[0], 'x y');
      assert.ok(row[5]!.startsWith('crops/x_y/'), row[5]);
    }
    assert.deepEqual(readdirSync(join(out, 'crops')), ['x_y']);
    const sidecar = JSON.parse(readFileSync(join(out, rows[0]![5]!.replace(/\.npy$/, '.json')), 'utf8')) as { studyId: string };
    assert.equal(sidecar.studyId, 'x y');
  });

  it('extracts two links to one study once', { skip: skipWithoutSharedData('dicom', 'ivd-11') }, async () => {
    const first = join(scratch, 'links', 'a', 'ivd-11');
    const second = join(scratch, 'links', 'b', 'ivd-11');
    for (const link of [first, second]) {
      mkdirSync(join(link, '..'), { recursive: true });
      symlinkSync(sharedPath('dicom', 'ivd-11'), link, 'dir');
    }
    const out = join(scratch, 'links-out');
    const result = await runWithOutput('extract', first, second, '--out', out);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stderr.includes(`warn: ${second}: the same study as ${first} (both resolve to ${realpathSync(sharedPath('dicom', 'ivd-11'))}); extracted once, as ${first}`), result.stderr);
    const rows = manifestRows(out);
    const levels = rows.map((row) => row[2]!);
    assert.ok(levels.length >= 5, `only ${levels.length} rows`);
    assert.equal(new Set(levels).size, levels.length, `repeated levels: ${levels.join(' ')}`);
    assert.deepEqual([...new Set(rows.map((row) => row[0]))], ['ivd-11']);
  });

  it('rejects two studies with one id', async () => {
    // The paths need not exist, because the ids are checked before any study is read.
    const out = join(scratch, 'clash');
    const dicom = join(scratch, 'studies', 'ivd-11');
    const volume = join(scratch, 'studies2', 'ivd-11.nii.gz');
    const result = await runWithOutput('extract', dicom, volume, '--out', out);
    assert.equal(result.code, 2, result.stderr);
    assert.ok(result.stderr.includes(`${dicom} and ${volume} (study id "ivd-11")`), result.stderr);
    assert.equal(existsSync(out), false);
  });

  it('file as --out is one error', async () => {
    const blocker = join(scratch, 'a-file');
    writeFileSync(blocker, 'in the way');
    const result = await runWithOutput('extract', join(scratch, 'absent-study'), '--out', blocker);
    assert.equal(result.code, 9, result.stderr);
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('error:'));
    assert.deepEqual(errors, [`error: ${blocker}: cannot create the output folder (a file is in the way, EEXIST); pass another --out`]);
  });
});

describe('planExtractStudies', () => {
  it('drops repeated paths and sorts', () => {
    const { logger, lines } = recordingLogger();
    const planned = planExtractStudies(['/s/b', '/s/a', '/s/b/', '/s/./a'], logger);
    assert.deepEqual(planned, [
      { path: '/s/a', studyId: 'a' },
      { path: '/s/b', studyId: 'b' },
    ]);
    assert.deepEqual(lines, ['warn: /s/b/: given more than once (first as /s/b); extracted once', 'warn: /s/./a: given more than once (first as /s/a); extracted once']);
  });

  it('keeps study ids as named', () => {
    const { logger } = recordingLogger();
    assert.deepEqual(planExtractStudies(['/v/a b.nii.gz', '/v/c.MHA', '/v/d,e'], logger), [
      { path: '/v/a b.nii.gz', studyId: 'a b' },
      { path: '/v/c.MHA', studyId: 'c' },
      { path: '/v/d,e', studyId: 'd,e' },
    ]);
  });

  it('names . after its folder', () => {
    const { logger } = recordingLogger();
    assert.deepEqual(planExtractStudies(['/s/ivd-11/.', '/s/vb2-02/sag/..'], logger), [
      { path: '/s/ivd-11/.', studyId: 'ivd-11' },
      { path: '/s/vb2-02/sag/..', studyId: 'vb2-02' },
    ]);
  });

  it('one study through two links', () => {
    const folder = join(scratch, 'plan', 'real-study');
    mkdirSync(folder, { recursive: true });
    const links = [join(scratch, 'plan', 'a'), join(scratch, 'plan', 'b')];
    for (const link of links) mkdirSync(link);
    const first = join(links[0]!, 'ivd-11');
    const second = join(links[1]!, 'other-name');
    symlinkSync(folder, first, 'dir');
    symlinkSync(folder, second, 'dir');
    const { logger, lines } = recordingLogger();
    // The second link sorts first, but the path given first is kept.
    assert.deepEqual(planExtractStudies([second, first, folder], logger), [{ path: second, studyId: 'other-name' }]);
    assert.deepEqual(lines, [
      `warn: ${first}: the same study as ${second} (both resolve to ${folder}); extracted once, as ${second}`,
      `warn: ${folder}: the same study as ${second} (both resolve to ${folder}); extracted once, as ${second}`,
    ]);
  });

  it('rejects an empty study id', () => {
    const { logger } = recordingLogger();
    assert.throws(
      () => planExtractStudies(['/v/a', '/v/.nii.gz'], logger),
      (error: unknown) => {
        assert.ok(error instanceof DeepspineError);
        assert.equal(error.code, 'INVALID_ARGUMENT');
        assert.equal(error.message, '/v/.nii.gz: the study id, the name without its volume file suffix, is empty; pass a folder or file with a name');
        return true;
      },
    );
  });

  const clashes: [string, string[], string][] = [
    ['folder and volume', ['/s/ivd-11', '/t/ivd-11.nii.gz'], '/s/ivd-11 and /t/ivd-11.nii.gz (study id "ivd-11")'],
    ['ids equal ignoring case', ['/v/A.nii', '/v/a.mha'], '/v/A.nii and /v/a.mha (study ids "A" and "a", whose crops folders crops/A/ and crops/a/ are equal ignoring case)'],
    ['ids with one crops folder', ['/v/a b.nii', '/v/a_b.nii'], '/v/a b.nii and /v/a_b.nii (study ids "a b" and "a_b", which both get the crops folder crops/a_b/)'],
  ];
  for (const [name, studies, described] of clashes) {
    it(`rejects ${name}`, () => {
      const { logger } = recordingLogger();
      assert.throws(
        () => planExtractStudies(['/other/x', ...studies], logger),
        (error: unknown) => {
          assert.ok(error instanceof DeepspineError);
          assert.equal(error.code, 'INVALID_ARGUMENT');
          assert.ok(error.message.includes(described), error.message);
          assert.doesNotMatch(error.message, /\/other\/x/);
          return true;
        },
      );
    });
  }
});

import assert from 'node:assert/strict';
import { basename, dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { batchOutputDirs, batchSummaryFileName } from '../../src/cli/analyze-command.js';
import { childOutcome, stderrTail } from '../../src/cli/batch.js';

const out = '/data/out';

/** Asserts that every folder is a distinct direct child of `out` and returns their names. */
function assertUniqueChildren(dirs: readonly string[]): string[] {
  for (const dir of dirs) assert.equal(dirname(dir), out, `${dir} is not directly inside ${out}`);
  const names = dirs.map((dir) => basename(dir));
  for (const name of names) assert.ok(!['', '.', '..'].includes(name), `folder name ${JSON.stringify(name)}`);
  assert.equal(new Set(names.map((name) => name.toLowerCase())).size, names.length, `repeated folder in ${names.join(', ')}`);
  return names;
}

describe('batchOutputDirs', () => {
  it('names folders after the study', () => {
    const dirs = batchOutputDirs(out, ['/s/ivd-11', '/s/ivd-20/', '/v/a.nii.gz', '/v/b.NII', '/v/c.mha', '/v/d.mhd', '/v/e.nrrd']);
    assert.deepEqual(assertUniqueChildren(dirs), ['ivd-11', 'ivd-20', 'a', 'b', 'c', 'd', 'e']);
  });

  it('suffix skips a taken name', () => {
    // Suffixing the third study by its position would give x-3, which the first study has.
    const dirs = batchOutputDirs(out, ['/col/a/x-3', '/col/b/x', '/col/c/x']);
    assert.deepEqual(assertUniqueChildren(dirs), ['x-3', 'x', 'x-2']);
  });

  it('skips every suffix in use', () => {
    const dirs = batchOutputDirs(out, ['/a/x-2', '/b/x-3', '/c/x', '/d/x', '/e/x']);
    assert.deepEqual(assertUniqueChildren(dirs), ['x-2', 'x-3', 'x', 'x-4', 'x-5']);
  });

  it('prefixes shared file names with folders', () => {
    // The layout of the labelled volumes: CASE/image.nii.gz. A file whose name no other has keeps it.
    const dirs = batchOutputDirs(out, ['/v/vb1-02/image.nii.gz', '/v/vb1-03/Image.nii', '/v/ivd-11/image.mha', '/w/ivd-11/image.nii.gz', '/w/scan.nii.gz']);
    assert.deepEqual(assertUniqueChildren(dirs), ['vb1-02-image', 'vb1-03-Image', 'ivd-11-image', 'ivd-11-image-2', 'scan']);
    // A folder study of that name does not count: only files are renamed.
    assert.deepEqual(assertUniqueChildren(batchOutputDirs(out, ['/s/image', '/v/a/image.nii.gz'])), ['image', 'image-2']);
    assert.deepEqual(assertUniqueChildren(batchOutputDirs(out, ['/image.nii.gz', '/x/image.nii.gz'])), ['study-image', 'x-image']);
  });

  it('compares names ignoring case', () => {
    const dirs = batchOutputDirs(out, ['/a/Study', '/b/study']);
    assert.deepEqual(assertUniqueChildren(dirs), ['Study', 'study-2']);
  });

  it('names relative paths by the resolved folder', () => {
    const cwd = resolve('.');
    const dirs = batchOutputDirs(out, ['.', '..', './']);
    assert.deepEqual(assertUniqueChildren(dirs), [basename(cwd), basename(dirname(cwd)), `${basename(cwd)}-2`]);
  });

  it('replaces empty and dot names', () => {
    // `/` has no name, and `..nii.gz` and `...nii.gz` would leave `.` and `..` after the extension.
    const dirs = batchOutputDirs(out, ['/', '/v/..nii.gz', '/v/...nii.gz', '/v/.nii.gz']);
    // The three files share the name `study`, so their folder name goes before it.
    assert.deepEqual(assertUniqueChildren(dirs), ['study', 'v-study', 'v-study-2', 'v-study-3']);
  });

  it('keeps summary file names free', () => {
    const dirs = batchOutputDirs(out, ['/s/batch-summary.json', '/s/BATCH-SUMMARY-shard-0-of-2.json', '/s/batch-summary.json.d']);
    assert.deepEqual(assertUniqueChildren(dirs), ['batch-summary.json-2', 'BATCH-SUMMARY-shard-0-of-2.json-2', 'batch-summary.json.d']);
  });

  it('keeps relative --out relative', () => {
    assert.deepEqual(batchOutputDirs('results', ['/s/a']), [join('results', 'a')]);
  });
});

describe('batchSummaryFileName', () => {
  it('is batch-summary.json without a shard', () => assert.equal(batchSummaryFileName(null), 'batch-summary.json'));
  it('names the shard', () => assert.equal(batchSummaryFileName({ index: 1, count: 4 }), 'batch-summary-shard-1-of-4.json'));
});

describe('stderrTail', () => {
  it('keeps only the error lines', () => {
    const stderr = 'sagittal series: "t2"\nwarn: no axial series\nerror: input not found: a\n';
    assert.equal(stderrTail(stderr), 'input not found: a');
  });

  it('keeps the last three error lines', () => {
    assert.equal(stderrTail('error: one\nwarn: x\nerror: two\nerror: three\nerror: four'), 'two | three | four');
  });

  it('keeps the last three lines without an error line', () => {
    assert.equal(stderrTail('one\ntwo\nthree\nfour'), 'two | three | four');
  });

  it('keeps an inner error prefix', () => {
    assert.equal(stderrTail('error: reading failed (error: bad header)'), 'reading failed (error: bad header)');
  });
});

describe('childOutcome', () => {
  it('keeps an exit status', () => {
    assert.deepEqual(childOutcome(7, null, 'error: no disc\n'), { exitCode: 7, stderrTail: 'no disc' });
  });

  it('names a SIGKILL and memory', () => {
    assert.deepEqual(childOutcome(null, 'SIGKILL', ''), { exitCode: 137, stderrTail: 'the analysis process was killed by SIGKILL (the system may have run out of memory)' });
  });

  it('keeps output before a signal', () => {
    assert.deepEqual(childOutcome(null, 'SIGTERM', 'segmentation ...\n'), { exitCode: 143, stderrTail: 'the analysis process was killed by SIGTERM | segmentation ...' });
  });
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { studyIdFromPath } from '../../src/dataset/study-crops.js';
import { legacyFolderName, listStudies, selectShard, studyFolderNames } from '../../src/dataset/study-list.js';
import { DeepspineError } from '../../src/errors.js';

function sha256Hex(text: string): string {
  return createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');
}

const scratch = mkdtempSync(join(tmpdir(), 'deepspine-study-list-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('studyIdFromPath', () => {
  const cases: [string, string][] = [
    ['/data/study-01', 'study-01'],
    ['/data/study-01/', 'study-01'],
    ['/data/case.nii.gz', 'case'],
    ['/data/case.NII.GZ', 'case'],
    ['/data/case.nii', 'case'],
    ['/data/case.mha', 'case'],
    ['/data/case.nrrd', 'case'],
    ['/data/case.v2.mhd', 'case.v2'],
    ['/data/id with space', 'id with space'],
  ];
  for (const [path, expected] of cases) {
    it(`maps ${path}`, () => assert.equal(studyIdFromPath(path), expected));
  }
});

describe('listStudies', () => {
  it('lists folders and volume files sorted by id', async () => {
    const dir = join(scratch, 'mixed');
    mkdirSync(join(dir, 'b-dicom'), { recursive: true });
    mkdirSync(join(dir, '.hidden'));
    writeFileSync(join(dir, 'a-volume.nii.gz'), '');
    writeFileSync(join(dir, 'c.mha'), '');
    writeFileSync(join(dir, 'README.txt'), '');
    symlinkSync(join(dir, 'b-dicom'), join(dir, 'd-link'));
    symlinkSync(join(dir, 'missing-target'), join(dir, 'e-broken'));
    const list = await listStudies(dir);
    assert.deepEqual(
      list.studies.map((study) => study.studyId),
      ['a-volume', 'b-dicom', 'c', 'd-link', 'e-broken'],
    );
    assert.deepEqual(
      list.studies.map((study) => study.position),
      [0, 1, 2, 3, 4],
    );
    assert.equal(list.studies[0]!.path, join(dir, 'a-volume.nii.gz'));
    assert.deepEqual(
      list.studies.map((study) => study.folderName),
      ['a-volume', 'b-dicom', 'c', 'd-link', 'e-broken'],
    );
    assert.deepEqual(list.duplicates, []);
  });

  it('leaves out the output folder', async () => {
    const dir = join(scratch, 'with-out');
    mkdirSync(join(dir, 'study-a'), { recursive: true });
    mkdirSync(join(dir, 'dataset'));

    const list = await listStudies(dir, join(dir, 'dataset'));

    assert.deepEqual(list.studies.map((study) => study.studyId), ['study-a']);
    assert.deepEqual((await listStudies(dir)).studies.map((study) => study.studyId), ['dataset', 'study-a']);
  });

  it('leaves out the output of another build', async () => {
    const dir = join(scratch, 'with-other-out');
    mkdirSync(join(dir, 'study-a'), { recursive: true });
    mkdirSync(join(dir, 'first-build', 'studies'), { recursive: true });
    writeFileSync(join(dir, 'first-build', 'labels.jsonl'), '');

    const list = await listStudies(dir, join(dir, 'second-build'));

    assert.deepEqual(list.studies.map((study) => study.studyId), ['study-a']);
  });

  it('leaves out entries that share an id', async () => {
    const dir = join(scratch, 'duplicates');
    mkdirSync(join(dir, 'same'), { recursive: true });
    writeFileSync(join(dir, 'same.nii.gz'), '');
    mkdirSync(join(dir, 'other'));
    const list = await listStudies(dir);
    assert.deepEqual(
      list.studies.map((study) => study.studyId),
      ['other'],
    );
    assert.deepEqual(list.duplicates, [{ studyId: 'same', paths: [join(dir, 'same'), join(dir, 'same.nii.gz')] }]);
  });

  it('gives unsafe ids a hashed folder name', async () => {
    const dir = join(scratch, 'unsafe');
    mkdirSync(join(dir, 'id with space'), { recursive: true });
    const [study] = (await listStudies(dir)).studies;
    assert.equal(study!.studyId, 'id with space');
    assert.equal(study!.folderName, `id_with_space-${sha256Hex('id with space').slice(0, 8)}`);
  });

  it('keeps ids with one safe name apart', async () => {
    const dir = join(scratch, 'same-safe-name');
    mkdirSync(join(dir, 'a b'), { recursive: true });
    mkdirSync(join(dir, 'a_b'));
    writeFileSync(join(dir, 'a#b.nii.gz'), '');
    const list = await listStudies(dir);
    assert.deepEqual(list.duplicates, []);
    assert.deepEqual(
      list.studies.map((study) => [study.studyId, study.folderName]),
      [
        ['a b', `a_b-${sha256Hex('a b').slice(0, 8)}`],
        ['a#b', `a_b-${sha256Hex('a#b').slice(0, 8)}`],
        ['a_b', 'a_b'],
      ],
    );
  });

  it('raises INPUT_NOT_FOUND for a missing folder', async () => {
    await assert.rejects(listStudies(join(scratch, 'absent')), (error: unknown) => error instanceof DeepspineError && error.code === 'INPUT_NOT_FOUND');
  });
});

describe('studyFolderNames', () => {
  it('hashes ids that differ only in case', () => {
    const names = studyFolderNames(['Case', 'case', 'other']);
    assert.equal(names.get('Case'), `Case-${sha256Hex('Case').slice(0, 16)}`);
    assert.equal(names.get('case'), `case-${sha256Hex('case').slice(0, 16)}`);
    assert.equal(names.get('other'), 'other');
  });

  it('hashes a safe id equal to a hashed name', () => {
    const hashedName = `a_b-${sha256Hex('a b').slice(0, 8)}`;
    const names = studyFolderNames(['a b', hashedName]);
    assert.equal(names.get('a b'), `a_b-${sha256Hex('a b').slice(0, 16)}`);
    assert.equal(names.get(hashedName), `${hashedName}-${sha256Hex(hashedName).slice(0, 16)}`);
  });

  it('hashes the UTF-8 bytes of the id', () => {
    assert.equal(studyFolderNames(['Müller']).get('Müller'), `M_ller-${sha256Hex('Müller').slice(0, 8)}`);
  });

  it('names the legacy folder by the safe name alone', () => {
    assert.equal(legacyFolderName('a b'), 'a_b');
    assert.equal(legacyFolderName('a_b'), 'a_b');
  });
});

describe('selectShard', () => {
  it('partitions studies by sorted position', async () => {
    const dir = join(scratch, 'shards');
    for (const name of ['s0', 's1', 's2', 's3', 's4', 's5', 's6']) mkdirSync(join(dir, name), { recursive: true });
    const { studies } = await listStudies(dir);
    const shards = [0, 1, 2].map((index) => selectShard(studies, { index, count: 3 }).map((study) => study.studyId));
    assert.deepEqual(shards[0], ['s0', 's3', 's6']);
    assert.deepEqual(shards[1], ['s1', 's4']);
    assert.deepEqual(shards[2], ['s2', 's5']);
    assert.deepEqual(shards.flat().sort(), studies.map((study) => study.studyId));
  });

  it('returns every study without a shard', async () => {
    const { studies } = await listStudies(join(scratch, 'shards'));
    assert.equal(selectShard(studies, null).length, studies.length);
  });
});

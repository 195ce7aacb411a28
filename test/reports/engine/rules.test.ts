import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DeepspineError } from '../../../src/errors.js';
import { labelReport } from '../../../src/reports/labeler.js';
import { RULES_VERSION, loadRules, shippedRulesDirectory } from '../../../src/reports/rules.js';

const scratch = mkdtempSync(join(tmpdir(), 'deepspine-rules-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let directoryCount = 0;
/** Writes each file of `files` (name to JSON value or raw text) into a new directory. */
function rulesDirectory(files: Record<string, unknown>): string {
  const directory = join(scratch, `rules-${++directoryCount}`);
  mkdirSync(directory);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(directory, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return directory;
}

function assertInvalid(files: Record<string, unknown>, fileName: string, message: RegExp): void {
  const directory = rulesDirectory(files);
  assert.throws(
    () => loadRules([directory]),
    (error: unknown) => {
      assert.ok(error instanceof DeepspineError, `expected a DeepspineError, got ${String(error)}`);
      assert.equal(error.code, 'INVALID_ARGUMENT');
      assert.equal(error.file, join(directory, fileName));
      assert.match(error.message, new RegExp(fileName.replace('.', '\\.')));
      assert.match(error.message, message);
      return true;
    },
  );
}

describe('loadRules', () => {
  it('finds the shipped rules beside the package', () => {
    assert.ok(existsSync(join(shippedRulesDirectory(), 'conditions.json')));
  });

  it('loads the shipped rules', () => {
    const rules = loadRules();
    assert.equal(rules.version, 'deepspine-rules/1');
    assert.equal(RULES_VERSION, 'deepspine-rules/1');
    assert.equal(rules.data.severity.defaultGrade, 1);
    assert.deepEqual(rules.data.measurements.canalDiameterMm, { severeBelow: 10, moderateBelow: 12, mildBelow: 14 });
    assert.ok(rules.files.length >= 10);
    assert.ok(Object.isFrozen(rules.data.severity));
  });

  it('adds a synonym from an extra directory', () => {
    const text = 'L4-5: Moderate canal pinching.';
    assert.deepEqual(labelReport(text).levels, {});
    const rules = loadRules([rulesDirectory({ 'site.json': { version: RULES_VERSION, conditions: { findingWords: { narrowing: ['pinching'] } } } })]);
    assert.deepEqual(labelReport(text, rules).levels, { 'L4-L5': { spinal_canal_stenosis: 2 } });
  });

  it('adds a negation trigger', () => {
    const text = 'L4-5: Lacks canal stenosis.';
    assert.deepEqual(labelReport(text).levels, { 'L4-L5': { spinal_canal_stenosis: 1 } });
    const rules = loadRules([rulesDirectory({ 'negation.json': { version: RULES_VERSION, negation: { before: ['lacks'] } } })]);
    assert.deepEqual(labelReport(text, rules).levels, { 'L4-L5': { spinal_canal_stenosis: 0 } });
  });

  it('adds an uncertainty trigger', () => {
    const rules = loadRules([rulesDirectory({ 'hedges.json': { version: RULES_VERSION, uncertainty: { triggers: ['perhaps'] } } })]);
    assert.deepEqual(labelReport('L4-5: Perhaps a disc protrusion.', rules).levels, { 'L4-L5': { disc_herniation: 'uncertain' } });
  });

  it('adds a lesser-degree phrase', () => {
    const text = 'Moderate canal stenosis at L3-4 and milder at L4-5.';
    assert.deepEqual(labelReport(text).levels, { 'L3-L4': { spinal_canal_stenosis: 2 } });
    const rules = loadRules([rulesDirectory({ 'degree.json': { version: RULES_VERSION, severity: { lesser: ['milder'] } } })]);
    assert.deepEqual(labelReport(text, rules).levels, { 'L3-L4': { spinal_canal_stenosis: 2 }, 'L4-L5': { spinal_canal_stenosis: 1 } });
  });

  it('adds a relative clause word', () => {
    const rules = loadRules([rulesDirectory({ 'clauses.json': { version: RULES_VERSION, clauses: { relativeBreaks: ['whereby'] } } })]);
    // The word ends the clause, so the negation before it no longer reaches the facets.
    const negated = 'L4-5: No disc bulge whereby facet arthropathy.';
    assert.equal(labelReport(negated).levels['L4-L5']?.left_facet_arthropathy, 0);
    assert.equal(labelReport(negated, rules).levels['L4-L5']?.left_facet_arthropathy, 1);
    // A grade alone after it still grades the finding before it.
    const labels = labelReport('L4-5: Canal stenosis whereby probably moderate.', rules);
    assert.equal(labels.levels['L4-L5']?.spinal_canal_stenosis, 2);
    assert.equal(labels.evidence['L4-L5']?.spinal_canal_stenosis?.uncertain, true);
  });

  it('adds a line continuing word', () => {
    const text = 'Moderate canal stenosis centred upon\nL4-5.';
    assert.deepEqual(labelReport(text).levels, {});
    const rules = loadRules([rulesDirectory({ 'clauses.json': { version: RULES_VERSION, clauses: { continuingWords: ['upon'] } } })]);
    assert.deepEqual(labelReport(text, rules).levels, { 'L4-L5': { spinal_canal_stenosis: 2 } });
  });

  it('adds a compression word', () => {
    const text = 'L4-5: Severe indentation of the thecal sac.';
    assert.deepEqual(labelReport(text).levels, {});
    const rules = loadRules([rulesDirectory({ 'site.json': { version: RULES_VERSION, conditions: { findingWords: { compression: ['indentation'] } } } })]);
    assert.deepEqual(labelReport(text, rules).levels, { 'L4-L5': { spinal_canal_stenosis: 3 } });
  });

  it('adds a patent word for structures', () => {
    const text = 'L4-5: The canal is free. It is free of charge.';
    assert.deepEqual(labelReport(text).levels, {});
    const rules = loadRules([rulesDirectory({ 'normal.json': { version: RULES_VERSION, normal: { patentStructure: ['free'] } } })]);
    assert.deepEqual(labelReport(text, rules).levels, { 'L4-L5': { spinal_canal_stenosis: 0 } });
  });

  it('adds an upper levels phrase', () => {
    const text = 'Cranial levels: normal.\nL2-3: Mild disc bulge.';
    assert.deepEqual(labelReport(text).levels, { 'L2-L3': { disc_bulge: 1 } });
    const rules = loadRules([rulesDirectory({ 'levels.json': { version: RULES_VERSION, levels: { upperLevels: ['cranial levels'] } } })]);
    const levels = labelReport(text, rules).levels;
    assert.equal(levels['L1-L2']?.spinal_canal_stenosis, 0);
    assert.equal(levels['L1-L2']?.disc_bulge, 0);
    assert.deepEqual(levels['L2-L3'], { disc_bulge: 1 });
    assert.equal(levels['L3-L4'], undefined);
  });

  it('adds a lower levels phrase', () => {
    const text = 'L3-4: Mild disc bulge.\nCaudal levels: normal.';
    assert.deepEqual(labelReport(text).levels, { 'L3-L4': { disc_bulge: 1 } });
    const rules = loadRules([rulesDirectory({ 'levels.json': { version: RULES_VERSION, levels: { lowerLevels: ['caudal levels'] } } })]);
    const levels = labelReport(text, rules).levels;
    assert.equal(levels['L5-S1']?.spinal_canal_stenosis, 0);
    assert.equal(levels['L4-L5']?.disc_bulge, 0);
    assert.deepEqual(levels['L3-L4'], { disc_bulge: 1 });
    assert.equal(levels['L2-L3'], undefined);
  });

  it('adds a span above word', () => {
    const text = 'L3-4 and upward: normal.';
    assert.equal(labelReport(text).levels['L1-L2'], undefined);
    const rules = loadRules([rulesDirectory({ 'levels.json': { version: RULES_VERSION, levels: { spanAboveWords: ['upward'] } } })]);
    const levels = labelReport(text, rules).levels;
    assert.equal(levels['L1-L2']?.disc_bulge, 0);
    assert.equal(levels['L3-L4']?.disc_bulge, 0);
    assert.equal(levels['L4-L5'], undefined);
  });

  it('adds an exception phrase', () => {
    const text = 'No foraminal stenosis barring mild left foraminal narrowing at L4-5.';
    const rules = loadRules([rulesDirectory({ 'exceptions.json': { version: RULES_VERSION, clauses: { exceptions: ['barring'] } } })]);
    assert.deepEqual(labelReport(text, rules).levels['L2-L3'], { left_foraminal_stenosis: 0, right_foraminal_stenosis: 0 });
    assert.deepEqual(labelReport(text, rules).levels['L4-L5'], { left_foraminal_stenosis: 1, right_foraminal_stenosis: 0 });
  });

  it('adds an abbreviation', () => {
    const text = 'L4-5: Modr. canal stenosis.';
    const grades = { version: RULES_VERSION, severity: { grades: { modr: 2 } } };
    assert.deepEqual(labelReport(text, loadRules([rulesDirectory({ 'grades.json': grades })])).levels, { 'L4-L5': { spinal_canal_stenosis: 1 } });
    const abbreviations = { version: RULES_VERSION, clauses: { abbreviations: ['modr.'] } };
    const rules = loadRules([rulesDirectory({ 'grades.json': grades, 'abbreviations.json': abbreviations })]);
    assert.deepEqual(labelReport(text, rules).levels, { 'L4-L5': { spinal_canal_stenosis: 2 } });
  });

  it('matches an abbreviation inside a phrase', () => {
    const text = 'L4-5: Left subart. zone stenosis.';
    const structures = { version: RULES_VERSION, conditions: { structures: { subarticular: ['subart zone'] } } };
    // Without "subart." listed, the period ends the sentence and "zone stenosis" is a bare stenosis.
    assert.deepEqual(labelReport(text, loadRules([rulesDirectory({ 'structures.json': structures })])).levels, { 'L4-L5': { spinal_canal_stenosis: 1 } });
    const abbreviations = { version: RULES_VERSION, clauses: { abbreviations: ['subart.'] } };
    const rules = loadRules([rulesDirectory({ 'structures.json': structures, 'abbreviations.json': abbreviations })]);
    assert.deepEqual(labelReport(text, rules).levels, { 'L4-L5': { left_subarticular_stenosis: 1 } });
  });

  it('adds a respectively phrase', () => {
    const text = 'Mild and severe canal stenosis at L3-4 and L4-5 correspondingly.';
    assert.deepEqual(labelReport(text).levels, { 'L3-L4': { spinal_canal_stenosis: 3 }, 'L4-L5': { spinal_canal_stenosis: 3 } });
    const rules = loadRules([rulesDirectory({ 'levels.json': { version: RULES_VERSION, levels: { respectively: ['correspondingly'] } } })]);
    assert.deepEqual(labelReport(text, rules).levels, { 'L3-L4': { spinal_canal_stenosis: 1 }, 'L4-L5': { spinal_canal_stenosis: 3 } });
  });

  it('adds a misspelling', () => {
    const text = 'L4-5: Mild canal stenossiss.';
    assert.deepEqual(labelReport(text).levels, {});
    const rules = loadRules([rulesDirectory({ 'typos.json': { version: RULES_VERSION, misspellings: { stenossiss: 'stenosis' } } })]);
    assert.deepEqual(labelReport(text, rules).levels, { 'L4-L5': { spinal_canal_stenosis: 1 } });
  });

  it('replaces thresholds and the default grade', () => {
    const rules = loadRules([
      rulesDirectory({
        'a.json': { version: RULES_VERSION, measurements: { canalDiameterMm: { mildBelow: 15 } } },
        'b.json': { version: RULES_VERSION, severity: { defaultGrade: 2 } },
      }),
    ]);
    assert.equal(rules.data.measurements.canalDiameterMm.mildBelow, 15);
    assert.equal(rules.data.measurements.canalDiameterMm.severeBelow, 10);
    assert.deepEqual(labelReport('L4-5: Canal measures 14.5 mm. L3-4: Canal stenosis.', rules).levels, {
      'L3-L4': { spinal_canal_stenosis: 2 },
      'L4-L5': { spinal_canal_stenosis: 1 },
    });
  });

  it('applies the example of docs/labeler.md', () => {
    const rules = loadRules([
      rulesDirectory({
        'site.json': {
          version: 'deepspine-rules/1',
          conditions: { findingWords: { narrowing: ['pinching'] } },
          negation: { before: ['lacks'] },
          severity: { grades: { tight: 2 } },
          misspellings: { stenossis: 'stenosis' },
        },
      }),
    ]);
    assert.deepEqual(labelReport('L4-5: Tight canal pinching. L3-4: Lacks canal stenossis. L5-S1: Mild pinching of the left foramen.', rules).levels, {
      'L3-L4': { spinal_canal_stenosis: 0 },
      'L4-L5': { spinal_canal_stenosis: 2 },
      'L5-S1': { left_foraminal_stenosis: 1 },
    });
  });

  it('merges directories in order', () => {
    const first = rulesDirectory({ 'grades.json': { version: RULES_VERSION, severity: { grades: { tight: 2 } } } });
    const second = rulesDirectory({ 'grades.json': { version: RULES_VERSION, severity: { grades: { tight: 3 } } } });
    const rules = loadRules([first, second]);
    assert.deepEqual(labelReport('L4-5: Tight canal stenosis.', rules).levels, { 'L4-L5': { spinal_canal_stenosis: 3 } });
    assert.deepEqual(rules.files.slice(-2), [join(first, 'grades.json'), join(second, 'grades.json')]);
  });

  it('skips files that are not JSON', () => {
    const directory = rulesDirectory({ 'README.md': '# notes', 'site.json': { version: RULES_VERSION } });
    assert.doesNotThrow(() => loadRules([directory]));
  });

  it('rejects a missing directory', () => {
    const missing = join(scratch, 'missing');
    assert.throws(
      () => loadRules([missing]),
      (error: unknown) => error instanceof DeepspineError && error.code === 'INPUT_NOT_FOUND' && error.message.includes(missing),
    );
  });

  it('rejects invalid JSON', () => {
    assertInvalid({ 'bad.json': '{"version": ' }, 'bad.json', /not readable JSON/);
  });

  it('rejects a wrong version', () => {
    assertInvalid({ 'old.json': { version: 'deepspine-rules/0' } }, 'old.json', /"version" must be "deepspine-rules\/1", got "deepspine-rules\/0"/);
  });

  it('rejects a missing version', () => {
    assertInvalid({ 'none.json': { misspellings: {} } }, 'none.json', /"version" must be/);
  });

  it('rejects an unknown key', () => {
    assertInvalid({ 'typo.json': { version: RULES_VERSION, negations: { before: ['lacks'] } } }, 'typo.json', /"negations" is not a known key/);
    assertInvalid({ 'kind.json': { version: RULES_VERSION, conditions: { structures: { pedicle: ['pedicle'] } } } }, 'kind.json', /"conditions\.structures\.pedicle" is not a known key/);
  });

  it('rejects a wrong value type', () => {
    assertInvalid({ 'list.json': { version: RULES_VERSION, negation: { before: 'lacks' } } }, 'list.json', /"negation\.before" must be a list of strings/);
    assertInvalid({ 'grade.json': { version: RULES_VERSION, severity: { grades: { tight: 5 } } } }, 'grade.json', /"severity\.grades\.tight" must be a grade 0, 1, 2 or 3, got 5/);
    assertInvalid({ 'range.json': { version: RULES_VERSION, severity: { ranges: { tightish: [3, 2] } } } }, 'range.json', /"severity\.ranges\.tightish" must be two increasing grades/);
    assertInvalid({ 'mm.json': { version: RULES_VERSION, measurements: { canalDiameterMm: { mildBelow: -1 } } } }, 'mm.json', /"measurements\.canalDiameterMm\.mildBelow" must be a positive number/);
  });

  it('rejects phrases with punctuation or digits', () => {
    assertInvalid({ 'comma.json': { version: RULES_VERSION, uncertainty: { triggers: ['maybe, perhaps'] } } }, 'comma.json', /"uncertainty\.triggers" contains "maybe, perhaps"/);
    assertInvalid({ 'digit.json': { version: RULES_VERSION, severity: { grades: { 'grade 2': 2 } } } }, 'digit.json', /cannot contain digits/);
  });

  it('rejects an abbreviation without its period', () => {
    assertInvalid(
      { 'abbreviations.json': { version: RULES_VERSION, clauses: { abbreviations: ['modr'] } } },
      'abbreviations.json',
      /"clauses\.abbreviations" contains "modr", but each entry must be letters ending in a period/,
    );
    assertInvalid({ 'spaces.json': { version: RULES_VERSION, clauses: { abbreviations: ['e. g.'] } } }, 'spaces.json', /contains "e\. g\."/);
  });

  it('rejects a misspelling of several words', () => {
    assertInvalid({ 'typo.json': { version: RULES_VERSION, misspellings: { 'neural foramin': 'neural foramen' } } }, 'typo.json', /"misspellings" contains "neural foramin", but each entry must be one word of letters/);
  });

  it('rejects a phrase with two meanings', () => {
    assertInvalid(
      { 'twice.json': { version: RULES_VERSION, laterality: { left: ['patent'] } } },
      'twice.json',
      /"laterality\.left" and "normal\.patent" both list "patent"/,
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { labelReport } from '../../../src/reports/labeler.js';
import {
  BINARY_CONDITIONS,
  CONDITIONS,
  GRADED_CONDITIONS,
  LUMBAR_LEVELS,
  type Condition,
  type Evidence,
  type LevelValues,
  type ReportLevel,
  type WarningCode,
} from '../../../src/reports/types.js';

type Levels = Partial<Record<ReportLevel, LevelValues>>;

interface EvidenceCheck {
  level: ReportLevel;
  condition: Condition;
  /** The exact text of `text.slice(start, end)`. */
  span: string;
  /** Optional evidence fields that must be present with these values; others must be absent. */
  fields?: Partial<Pick<Evidence, 'range' | 'measurementMm' | 'uncertain' | 'unspecifiedGrade' | 'global' | 'section'>>;
}

interface Case {
  name: string;
  text: string;
  levels: Levels;
  evidence?: EvidenceCheck[];
  warnings?: WarningCode[];
}

const OPTIONAL_FIELDS = ['range', 'measurementMm', 'uncertain', 'unspecifiedGrade', 'global'] as const;

function allConditions(value: 0): LevelValues {
  return Object.fromEntries(CONDITIONS.map((condition) => [condition, value]));
}

function stenosisConditions(grade: 0): LevelValues {
  return Object.fromEntries(GRADED_CONDITIONS.map((condition) => [condition, grade]));
}

function atLumbarLevels(values: LevelValues): Levels {
  return Object.fromEntries(LUMBAR_LEVELS.map((level) => [level, { ...values }]));
}

function runCases(cases: readonly Case[]): void {
  for (const labelCase of cases) {
    it(labelCase.name, () => {
      const labels = labelReport(labelCase.text);
      assert.deepEqual(labels.levels, labelCase.levels);
      assert.deepEqual(
        labels.warnings.map((warning) => warning.code),
        labelCase.warnings ?? [],
      );
      for (const [level, values] of Object.entries(labels.levels)) {
        for (const condition of Object.keys(values)) {
          const evidence = labels.evidence[level as ReportLevel]?.[condition as Condition];
          assert.ok(evidence !== undefined, `${level} ${condition} has no evidence`);
          assert.ok(evidence.start >= 0, `${level} ${condition} start ${evidence.start}`);
          assert.ok(evidence.start < evidence.end, `${level} ${condition} start ${evidence.start} end ${evidence.end}`);
          assert.ok(evidence.end <= labelCase.text.length, `${level} ${condition} end ${evidence.end}`);
        }
      }
      for (const check of labelCase.evidence ?? []) {
        const evidence = labels.evidence[check.level]![check.condition]!;
        assert.equal(labelCase.text.slice(evidence.start, evidence.end), check.span, `${check.level} ${check.condition} span`);
        for (const field of OPTIONAL_FIELDS) {
          assert.deepEqual(evidence[field], check.fields?.[field], `${check.level} ${check.condition} ${field}`);
        }
        if (check.fields?.section !== undefined) assert.equal(evidence.section, check.fields.section);
      }
    });
  }
}

describe('labelReport empty and non-lumbar text', () => {
  runCases([
    { name: 'empty text', text: '', levels: {}, warnings: ['EMPTY_TEXT'] },
    { name: 'whitespace-only text', text: ' \n\t\r\n ', levels: {}, warnings: ['EMPTY_TEXT'] },
    { name: 'text without levels', text: 'Degenerative changes. Mild disc bulge.', levels: {}, warnings: ['NO_LEVELS_FOUND'] },
    {
      name: 'cervical levels only',
      text: 'C5-6: moderate canal stenosis. C6-7: disc osteophyte complex.',
      levels: {},
      warnings: ['NOT_LUMBAR'],
    },
    {
      name: 'thoracic study by title',
      text: 'MRI THORACIC SPINE\nFINDINGS: Normal study.',
      levels: {},
      warnings: ['NOT_LUMBAR'],
    },
    {
      name: 'lumbar study mentioning the thoracic cord',
      text: 'MRI LUMBAR SPINE. The visualized thoracic spine is normal. T11-12: mild disc bulge. L4-5: mild disc bulge.',
      levels: { 'L4-L5': { disc_bulge: 1 } },
    },
    {
      name: 'thoracolumbar junction alone is lumbar',
      text: 'T12-L1: small disc protrusion.',
      levels: { 'T12-L1': { disc_herniation: 1 } },
    },
  ]);
});

describe('labelReport current level', () => {
  runCases([
    {
      name: 'heading stays current over sentences',
      text: 'L4-5: Disc bulge. Moderate canal stenosis.\nMild bilateral foraminal narrowing.',
      levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 2, left_foraminal_stenosis: 1, right_foraminal_stenosis: 1 } },
    },
    {
      name: 'sentence opening with a level',
      text: 'At L3-4 there is a disc bulge. Mild facet arthropathy.',
      levels: { 'L3-L4': { disc_bulge: 1, left_facet_arthropathy: 1, right_facet_arthropathy: 1 } },
    },
    {
      name: 'level named mid-sentence replaces the heading',
      text: 'L4-5: disc bulge. Facet arthropathy also at L3-4. Moderate canal stenosis.',
      levels: { 'L3-L4': { left_facet_arthropathy: 1, right_facet_arthropathy: 1, spinal_canal_stenosis: 2 }, 'L4-L5': { disc_bulge: 1 } },
    },
    {
      name: 'two levels mid-sentence end the heading',
      text: 'L4-5: disc bulge. Facet arthropathy at L3-4 and L5-S1. Moderate canal stenosis.',
      levels: {
        'L3-L4': { left_facet_arthropathy: 1, right_facet_arthropathy: 1 },
        'L4-L5': { disc_bulge: 1 },
        'L5-S1': { left_facet_arthropathy: 1, right_facet_arthropathy: 1 },
      },
    },
    {
      name: 'section change ends the heading',
      text: 'L4-5: disc bulge.\nIMPRESSION:\nModerate canal stenosis.',
      levels: { 'L4-L5': { disc_bulge: 1 } },
    },
    {
      name: 'statement without any level',
      text: 'Moderate canal stenosis.',
      levels: {},
      warnings: ['NO_LEVELS_FOUND'],
    },
    {
      name: 'line breaks flattened into commas',
      text: 'FINDINGS:, L3-4: mild disc bulge, no canal stenosis, L4-5: moderate canal stenosis, mild bilateral foraminal narrowing, L5-S1: normal',
      levels: {
        'L3-L4': { disc_bulge: 1, spinal_canal_stenosis: 0 },
        'L4-L5': { spinal_canal_stenosis: 2, left_foraminal_stenosis: 1, right_foraminal_stenosis: 1 },
        'L5-S1': allConditions(0),
      },
    },
    {
      name: 'flattened headings without colons',
      text: 'L3-4 mild disc bulge, L4-5 moderate canal stenosis',
      levels: { 'L3-L4': { disc_bulge: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 } },
    },
    {
      name: 'level list after a comma',
      text: 'Disc bulges at L3-4, L4-5 and L5-S1.',
      levels: { 'L3-L4': { disc_bulge: 1 }, 'L4-L5': { disc_bulge: 1 }, 'L5-S1': { disc_bulge: 1 } },
    },
    {
      name: 'wrapped line continues the sentence',
      text: 'L4-5: There is moderate\ncanal stenosis.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    },
    {
      name: 'level after a wrapped preposition',
      text: 'There is moderate canal stenosis at\nL4-5. No disc herniation.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 2, disc_herniation: 0 } },
    },
    {
      name: 'level list after wrapped involving',
      text: 'Severe stenosis involving\nL4-5 and L5-S1.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 3 }, 'L5-S1': { spinal_canal_stenosis: 3 } },
    },
    {
      name: 'capitalised line after wrapped of',
      text: 'L5-S1: Moderate narrowing of the\nLeft neural foramen.',
      levels: { 'L5-S1': { left_foraminal_stenosis: 2 } },
    },
    {
      name: 'level heading after wrapped and',
      text: 'Mild canal stenosis at L3-4 and\nL4-5: severe canal stenosis.',
      levels: { 'L3-L4': { spinal_canal_stenosis: 1 }, 'L4-L5': { spinal_canal_stenosis: 3 } },
    },
    {
      name: 'line ending in a level',
      text: 'Disc bulge at L3-4\nL4-5 moderate canal stenosis.',
      levels: { 'L3-L4': { disc_bulge: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 } },
    },
    {
      name: 'line ending in a finding',
      text: 'L3-4: mild disc bulge\nL4-5 moderate canal stenosis',
      levels: { 'L3-L4': { disc_bulge: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 } },
    },
    {
      name: 'blank line after wrapped at',
      text: 'Moderate canal stenosis at\n\nL4-5: disc bulge.',
      levels: { 'L4-L5': { disc_bulge: 1 } },
    },
  ]);
});

describe('labelReport several levels in one sentence', () => {
  runCases([
    {
      name: 'each finding before its level',
      text: 'Mild disc bulge at L3-4 and moderate canal stenosis at L4-5.',
      levels: { 'L3-L4': { disc_bulge: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 } },
    },
    {
      name: 'each finding after its level',
      text: 'At L3-4 there is a disc bulge, and at L4-5 there is moderate canal stenosis.',
      levels: { 'L3-L4': { disc_bulge: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 } },
    },
    {
      name: 'heading then a qualified finding',
      text: 'At L3-4 there is mild canal stenosis, and moderate canal stenosis at L4-5.',
      levels: { 'L3-L4': { spinal_canal_stenosis: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 } },
    },
    {
      name: 'two findings for one trailing level',
      text: 'Mild disc bulge and moderate canal stenosis at L4-5.',
      levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 2 } },
    },
    {
      name: 'grade given again at another level',
      text: 'Mild canal stenosis at L3-4, moderate at L4-5.',
      levels: { 'L3-L4': { spinal_canal_stenosis: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 } },
    },
    {
      name: 'level groups after a list',
      text: 'Disc bulges at L3-4 and L4-5, with moderate canal stenosis at L4-5.',
      levels: { 'L3-L4': { disc_bulge: 1 }, 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 2 } },
    },
    {
      name: 'span of levels',
      text: 'Mild facet arthropathy from L3 to S1.',
      levels: {
        'L3-L4': { left_facet_arthropathy: 1, right_facet_arthropathy: 1 },
        'L4-L5': { left_facet_arthropathy: 1, right_facet_arthropathy: 1 },
        'L5-S1': { left_facet_arthropathy: 1, right_facet_arthropathy: 1 },
      },
    },
  ]);
});

describe('labelReport sections', () => {
  runCases([
    {
      name: 'findings win over impression',
      text: 'FINDINGS:\nL4-5: Moderate canal stenosis.\nIMPRESSION:\nSevere canal stenosis at L4-5.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'Moderate canal stenosis', fields: { section: 'findings' } }],
      warnings: ['SECTION_DISAGREEMENT'],
    },
    {
      name: 'impression fills what findings omit',
      text: 'FINDINGS:\nL4-5: Moderate canal stenosis.\nIMPRESSION:\nL4-5 disc protrusion.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 2, disc_herniation: 1 } },
      evidence: [{ level: 'L4-L5', condition: 'disc_herniation', span: 'disc protrusion', fields: { section: 'impression' } }],
    },
    {
      name: 'impression wins over comment',
      text: 'IMPRESSION: L4-5 mild canal stenosis.\nCOMMENT: L4-5 severe canal stenosis.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'mild canal stenosis', fields: { section: 'impression' } }],
    },
    {
      name: 'text before any header is findings',
      text: 'L4-5: mild canal stenosis.\nIMPRESSION: L4-5 severe canal stenosis.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
      warnings: ['SECTION_DISAGREEMENT'],
    },
    {
      name: 'history and technique give no labels',
      text: 'HISTORY: Rule out stenosis at L4-5.\nTECHNIQUE: Sagittal images from T12 to S1.\nFINDINGS: L3-4: mild disc bulge.',
      levels: { 'L3-L4': { disc_bulge: 1 } },
    },
    {
      name: 'header alone on its line',
      text: 'Impression\nL4-5 mild canal stenosis.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'mild canal stenosis', fields: { section: 'impression' } }],
    },
    {
      name: 'mixed-case word is not a header',
      text: 'Comparison of the levels: L4-5 mild canal stenosis.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'mild canal stenosis', fields: { section: 'findings' } }],
    },
    {
      name: 'flattened header after a comma',
      text: 'L4-5: moderate canal stenosis, IMPRESSION: L4-5 severe canal stenosis',
      levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
      warnings: ['SECTION_DISAGREEMENT'],
    },
    {
      name: 'higher value wins within a section',
      text: 'L4-5: Mild canal stenosis. There is moderate canal stenosis.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'moderate canal stenosis' }],
    },
    {
      name: 'presence wins over uncertain and absent',
      text: 'L4-5: No disc protrusion. Possible disc protrusion. Disc protrusion.',
      levels: { 'L4-L5': { disc_herniation: 1 } },
    },
  ]);

  it('names level, condition and values in the disagreement', () => {
    const text = 'FINDINGS: L4-5: Moderate canal stenosis.\nIMPRESSION: L4-5 severe canal stenosis.';
    const warning = labelReport(text).warnings[0]!;
    assert.equal(warning.code, 'SECTION_DISAGREEMENT');
    assert.equal(warning.message, 'L4-L5 spinal_canal_stenosis is 2 in findings and 3 in impression; the findings value is kept.');
    assert.equal(text.slice(warning.start, warning.end), 'severe canal stenosis');
  });
});

describe('labelReport severity', () => {
  const grades: [string, number][] = [
    ['minimal', 1],
    ['minor', 1],
    ['very mild', 1],
    ['slight', 1],
    ['trace', 1],
    ['mild', 1],
    ['moderate', 2],
    ['significant', 2],
    ['severe', 3],
    ['marked', 3],
    ['advanced', 3],
    ['high-grade', 3],
    ['critical', 3],
    ['extreme', 3],
  ];
  runCases(
    grades.map(([word, grade]) => ({
      name: `${word} gives grade ${grade}`,
      text: `L4-5: ${word} canal stenosis.`,
      levels: { 'L4-L5': { spinal_canal_stenosis: grade as 1 | 2 | 3 } },
      evidence: [{ level: 'L4-L5' as const, condition: 'spinal_canal_stenosis' as const, span: `${word} canal stenosis` }],
    })),
  );

  const ranges: [string, number, [number, number]][] = [
    ['mild to moderate', 2, [1, 2]],
    ['mild-moderate', 2, [1, 2]],
    ['mild/moderate', 2, [1, 2]],
    ['mild-to-moderate', 2, [1, 2]],
    ['moderate to severe', 3, [2, 3]],
    ['moderately severe', 3, [2, 3]],
  ];
  runCases(
    ranges.map(([words, grade, range]) => ({
      name: `${words} records a range`,
      text: `L4-5: ${words} canal stenosis.`,
      levels: { 'L4-L5': { spinal_canal_stenosis: grade as 2 | 3 } },
      evidence: [{ level: 'L4-L5' as const, condition: 'spinal_canal_stenosis' as const, span: `${words} canal stenosis`, fields: { range: range as [1, 2] } }],
    })),
  );

  runCases([
    {
      name: 'stenosis without severity',
      text: 'L4-5: Canal stenosis.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'Canal stenosis', fields: { unspecifiedGrade: true } }],
    },
    {
      name: 'severity after the condition',
      text: 'L4-5: The left foraminal narrowing is moderate.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 2 } },
    },
    {
      name: 'severity adverb before the finding word',
      text: 'L4-5: The canal is moderately narrowed.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    },
    {
      name: 'severity shared along a list',
      text: 'L4-5: Mild canal and foraminal stenosis.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 1, left_foraminal_stenosis: 1, right_foraminal_stenosis: 1 } },
    },
    {
      name: 'severity not shared across findings',
      text: 'L4-5: Mild canal stenosis and bilateral foraminal narrowing.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 1, left_foraminal_stenosis: 1, right_foraminal_stenosis: 1 } },
      evidence: [
        { level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'Mild canal stenosis' },
        { level: 'L4-L5', condition: 'left_foraminal_stenosis', span: 'bilateral foraminal narrowing', fields: { unspecifiedGrade: true } },
      ],
    },
    {
      name: 'severity of a binary condition',
      text: 'L4-5: Severe facet arthropathy.',
      levels: { 'L4-L5': { left_facet_arthropathy: 1, right_facet_arthropathy: 1 } },
    },
    {
      name: 'severity before a second finding',
      text: 'L4-5: Disc bulge causing moderate canal stenosis.',
      levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 2 } },
    },
    {
      name: 'finding word referring back',
      text: 'L4-5: Moderate canal stenosis. Ligamentum flavum infolding contributes to the narrowing.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 2, ligamentum_flavum_thickening: 1 } },
    },
    {
      name: 'disc space narrowing is no stenosis',
      text: 'L4-5: Mild disc space narrowing. Narrowing of the disc space.',
      levels: {},
    },
  ]);
});

describe('labelReport measurements', () => {
  const diameters: [string, number][] = [
    ['9 mm', 3],
    ['9.9 mm', 3],
    ['10 mm', 2],
    ['11.9 mm', 2],
    ['12 mm', 1],
    ['13.9mm', 1],
    ['14 mm', 0],
    ['1.1 cm', 2],
  ];
  runCases(
    diameters.map(([size, grade]) => ({
      name: `canal of ${size} gives grade ${grade}`,
      text: `L4-5: The AP diameter of the thecal sac measures ${size}.`,
      levels: { 'L4-L5': { spinal_canal_stenosis: grade as 0 | 1 | 2 | 3 } },
      evidence: [
        {
          level: 'L4-L5' as const,
          condition: 'spinal_canal_stenosis' as const,
          span: `thecal sac measures ${size}`,
          fields: { measurementMm: Math.round(Number.parseFloat(size) * (size.endsWith('cm') ? 10 : 1) * 1000) / 1000 },
        },
      ],
    })),
  );

  runCases([
    {
      name: 'measurement after a comma',
      text: 'L4-5: Canal stenosis, AP diameter 9 mm.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 3 } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'Canal stenosis, AP diameter 9 mm', fields: { measurementMm: 9 } }],
    },
    {
      name: 'measurement after with',
      text: 'L4-5: Central canal stenosis with an AP diameter of 11 mm.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    },
    {
      name: 'severity word wins over measurement',
      text: 'L4-5: Moderate canal stenosis, AP diameter 13 mm.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'Moderate canal stenosis, AP diameter 13 mm', fields: { measurementMm: 13 } }],
    },
    {
      name: 'protrusion size is no canal diameter',
      text: 'L4-5: Disc protrusion measuring 6 mm. Canal stenosis.',
      levels: { 'L4-L5': { disc_herniation: 1, spinal_canal_stenosis: 1 } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'Canal stenosis', fields: { unspecifiedGrade: true } }],
    },
    {
      name: 'dimensions are no canal diameter',
      text: 'L4-5: Canal stenosis from a 5 x 8 mm protrusion.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 1, disc_herniation: 1 } },
    },
  ]);
});

describe('labelReport laterality', () => {
  runCases([
    {
      name: 'bilateral sets both sides',
      text: 'L4-5: Moderate bilateral foraminal stenosis.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 2, right_foraminal_stenosis: 2 } },
    },
    {
      name: 'both foramina',
      text: 'L4-5: Mild narrowing of both foramina.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 1, right_foraminal_stenosis: 1 } },
    },
    {
      name: 'no side means both sides',
      text: 'L4-5: Mild subarticular stenosis and facet arthropathy.',
      levels: { 'L4-L5': { left_subarticular_stenosis: 1, right_subarticular_stenosis: 1, left_facet_arthropathy: 1, right_facet_arthropathy: 1 } },
    },
    {
      name: 'side before the structure',
      text: 'L4-5: Severe left foraminal stenosis.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 3 } },
    },
    {
      name: 'side after the finding',
      text: 'L4-5: Mild foraminal stenosis on the right.',
      levels: { 'L4-L5': { right_foraminal_stenosis: 1 } },
    },
    {
      name: 'side inside a prepositional phrase',
      text: 'L4-5: Moderate narrowing of the left neural foramen.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 2 } },
    },
    {
      name: 'two sides with two grades',
      text: 'L4-5: Moderate right and severe left foraminal stenosis.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 3, right_foraminal_stenosis: 2 } },
      evidence: [
        { level: 'L4-L5', condition: 'left_foraminal_stenosis', span: 'severe left foraminal stenosis' },
        { level: 'L4-L5', condition: 'right_foraminal_stenosis', span: 'Moderate right and severe left foraminal stenosis' },
      ],
    },
    {
      name: 'grades per side after the finding',
      text: 'L4-5: Foraminal stenosis, moderate on the right and mild on the left.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 1, right_foraminal_stenosis: 2 } },
    },
    {
      name: 'left greater than right',
      text: 'L4-5: Moderate foraminal stenosis, left greater than right.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 2, right_foraminal_stenosis: 2 } },
    },
    {
      name: 'greater side before the finding',
      text: 'L4-5: Severe right > left subarticular stenosis.',
      levels: { 'L4-L5': { left_subarticular_stenosis: 3, right_subarticular_stenosis: 3 } },
    },
    {
      name: 'worse on the left at mild',
      text: 'L4-5: Mild bilateral foraminal narrowing, worse on the left.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 1, right_foraminal_stenosis: 1 } },
    },
    {
      name: 'both sides keep the range',
      text: 'L4-5: Mild to moderate foraminal stenosis, left greater than right.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 2, right_foraminal_stenosis: 2 } },
      evidence: [
        { level: 'L4-L5', condition: 'left_foraminal_stenosis', span: 'Mild to moderate foraminal stenosis, left greater than right', fields: { range: [1, 2] } },
        { level: 'L4-L5', condition: 'right_foraminal_stenosis', span: 'Mild to moderate foraminal stenosis, left greater than right', fields: { range: [1, 2] } },
      ],
    },
    {
      name: 'side carried along a list',
      text: 'L4-5: Left foraminal and subarticular stenosis.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 1, left_subarticular_stenosis: 1 } },
    },
    {
      name: 'side of a facet',
      text: 'L4-5: Right facet hypertrophy.',
      levels: { 'L4-L5': { right_facet_arthropathy: 1 } },
    },
  ]);
});

describe('labelReport negation', () => {
  runCases([
    {
      name: 'negation of a list',
      text: 'L4-5: No canal or right foraminal stenosis.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 0, right_foraminal_stenosis: 0 } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'No canal or right foraminal stenosis' }],
    },
    {
      name: 'negation of a comma list',
      text: 'L4-5: No evidence of disc herniation, canal stenosis or foraminal narrowing.',
      levels: { 'L4-L5': { disc_herniation: 0, spinal_canal_stenosis: 0, left_foraminal_stenosis: 0, right_foraminal_stenosis: 0 } },
    },
    {
      name: 'severity ends the negation',
      text: 'L4-5: No significant canal stenosis, mild bilateral foraminal narrowing.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 0, left_foraminal_stenosis: 1, right_foraminal_stenosis: 1 } },
    },
    {
      name: 'but ends the negation',
      text: 'L4-5: No disc herniation, but there is a disc bulge.',
      levels: { 'L4-L5': { disc_herniation: 0, disc_bulge: 1 } },
    },
    {
      name: 'negation after a complete finding',
      text: 'L4-5: Facet arthropathy without significant stenosis.',
      levels: { 'L4-L5': { left_facet_arthropathy: 1, right_facet_arthropathy: 1, ...stenosisConditions(0) } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'without significant stenosis' }],
    },
    {
      name: 'negation of a severity',
      text: 'L4-5: The canal stenosis is not severe.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'canal stenosis is not severe', fields: { unspecifiedGrade: true } }],
    },
    {
      name: 'adequate canal and foramina',
      text: 'L2-3: Canal and foramina are adequate.',
      levels: { 'L2-L3': { spinal_canal_stenosis: 0, left_foraminal_stenosis: 0, right_foraminal_stenosis: 0 } },
    },
    {
      name: 'negation after a positive finding',
      text: 'L4-5: Disc bulge without canal stenosis.',
      levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 0 } },
    },
    {
      name: 'negation of every stenosis',
      text: 'L4-5: No stenosis.',
      levels: { 'L4-L5': stenosisConditions(0) },
    },
    {
      name: 'no significant stenosis',
      text: 'L4-5: No significant stenosis.',
      levels: { 'L4-L5': stenosisConditions(0) },
    },
    {
      name: 'negation inside the statement',
      text: 'L4-5: The thecal sac is not narrowed.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 0 } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'thecal sac is not narrowed' }],
    },
    {
      name: 'negation after the conditions',
      text: 'L4-5: Disc bulge and facet arthropathy are not seen.',
      levels: { 'L4-L5': { disc_bulge: 0, left_facet_arthropathy: 0, right_facet_arthropathy: 0 } },
    },
    {
      name: 'negation after stops at a severity',
      text: 'L4-5: Mild disc bulge, canal stenosis is not seen.',
      levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 0 } },
    },
    {
      name: 'triggers free of and negative for',
      text: 'L4-5: The spinal canal is free of stenosis. Negative for disc herniation. Absence of facet arthropathy.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 0, disc_herniation: 0, left_facet_arthropathy: 0, right_facet_arthropathy: 0 } },
    },
    {
      name: 'patent canal and foramina',
      text: 'L4-5: The canal and foramina are patent.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 0, left_foraminal_stenosis: 0, right_foraminal_stenosis: 0 } },
    },
    {
      name: 'widely patent one foramen',
      text: 'L4-5: Severe left foraminal stenosis. The right neural foramen is widely patent.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 3, right_foraminal_stenosis: 0 } },
    },
    {
      name: 'patent alone at a level',
      text: 'L4-5: Patent.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 0, left_foraminal_stenosis: 0, right_foraminal_stenosis: 0 } },
    },
    {
      name: 'patent structure inside a negation',
      text: 'L4-5: No canal stenosis and the foramina are patent.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 0, left_foraminal_stenosis: 0, right_foraminal_stenosis: 0 } },
    },
    {
      name: 'no interval change is no negation',
      text: 'L4-5: No interval change in moderate canal stenosis.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    },
  ]);
});

describe('labelReport normal levels and studies', () => {
  runCases([
    {
      name: 'normal level',
      text: 'L1-2: Normal.',
      levels: { 'L1-L2': allConditions(0) },
      evidence: [{ level: 'L1-L2', condition: 'disc_bulge', span: 'Normal' }],
    },
    {
      name: 'several normal levels',
      text: 'L1-L2 and L2-L3 are within normal limits. No significant abnormality at L3-4.',
      levels: { 'L1-L2': allConditions(0), 'L2-L3': allConditions(0), 'L3-L4': allConditions(0) },
    },
    {
      name: 'otherwise normal keeps the finding',
      text: 'L4-5: Mild disc bulge, otherwise normal.',
      levels: { 'L4-L5': { ...allConditions(0), disc_bulge: 1 } },
    },
    {
      name: 'normal structure is not a normal level',
      text: 'L4-5: Normal disc height. The facet joints are normal. Marrow signal is normal.',
      levels: { 'L4-L5': { left_facet_arthropathy: 0, right_facet_arthropathy: 0 } },
    },
    {
      name: 'normal words around unknown words',
      text: 'L5-S1: disc bulge. The sacroiliac joints, as far as they are included, are unremarkable.',
      levels: { 'L5-S1': { disc_bulge: 1 } },
    },
    {
      name: 'normal study',
      text: 'IMPRESSION: Normal MRI of the lumbar spine.',
      levels: atLumbarLevels(allConditions(0)),
      evidence: [{ level: 'L3-L4', condition: 'disc_herniation', span: 'Normal MRI of the lumbar spine', fields: { global: true, section: 'impression' } }],
    },
    {
      name: 'unremarkable lumbar spine',
      text: 'Unremarkable lumbar spine.',
      levels: atLumbarLevels(allConditions(0)),
    },
    {
      name: 'otherwise normal without a heading',
      text: 'IMPRESSION:\n1. Mild disc bulge at L4-5.\n2. Otherwise normal.',
      levels: { ...atLumbarLevels(allConditions(0)), 'L4-L5': { ...allConditions(0), disc_bulge: 1 } },
      evidence: [
        { level: 'L4-L5', condition: 'disc_bulge', span: 'Mild disc bulge', fields: { section: 'impression' } },
        { level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'normal', fields: { global: true, section: 'impression' } },
      ],
    },
    {
      name: 'no stenosis at any level',
      text: 'No stenosis at any level.',
      levels: atLumbarLevels(stenosisConditions(0)),
      evidence: [{ level: 'L1-L2', condition: 'left_subarticular_stenosis', span: 'No stenosis', fields: { global: true } }],
    },
    {
      name: 'no bulge or herniation at any level',
      text: 'No disc bulge or herniation at any level.',
      levels: atLumbarLevels({ disc_bulge: 0, disc_herniation: 0 }),
    },
    {
      name: 'level statement replaces global one',
      text: 'FINDINGS: L4-5: moderate canal stenosis.\nIMPRESSION: No stenosis at any level.',
      levels: { ...atLumbarLevels(stenosisConditions(0)), 'L4-L5': { ...stenosisConditions(0), spinal_canal_stenosis: 2 } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'moderate canal stenosis', fields: { section: 'findings' } }],
      warnings: ['SECTION_DISAGREEMENT'],
    },
    {
      name: 'remaining levels are normal',
      text: 'L4-5: mild disc bulge. The remaining levels are normal.',
      levels: { ...atLumbarLevels(allConditions(0)), 'L4-L5': { disc_bulge: 1 } },
      evidence: [{ level: 'L2-L3', condition: 'disc_bulge', span: 'normal', fields: { global: true } }],
    },
    {
      name: 'no stenosis elsewhere',
      text: 'IMPRESSION: Moderate canal stenosis at L4-5. No stenosis elsewhere.',
      levels: { ...atLumbarLevels(stenosisConditions(0)), 'L4-L5': { spinal_canal_stenosis: 2 } },
    },
  ]);
});

describe('labelReport uncertainty', () => {
  runCases([
    {
      name: 'hedged presence',
      text: 'L4-5: Possible small disc protrusion.',
      levels: { 'L4-L5': { disc_herniation: 'uncertain' } },
    },
    {
      name: 'hedged grade keeps the grade',
      text: 'L4-5: There may be moderate canal stenosis.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'moderate canal stenosis', fields: { uncertain: true } }],
    },
    {
      name: 'hedge after the condition',
      text: 'L4-5: A small disc herniation cannot be excluded.',
      levels: { 'L4-L5': { disc_herniation: 'uncertain' } },
    },
    {
      name: 'hedge after a graded finding',
      text: 'L4-5: Mild canal stenosis is suspected.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'Mild canal stenosis', fields: { uncertain: true } }],
    },
    {
      name: 'hedge before a second finding',
      text: 'L4-5: Disc bulge, possibly a small protrusion.',
      levels: { 'L4-L5': { disc_bulge: 1, disc_herniation: 'uncertain' } },
    },
    {
      name: 'hedge stops at a break',
      text: 'L4-5: Mild left lateral recess stenosis, which may affect the nerve root.',
      levels: { 'L4-L5': { left_subarticular_stenosis: 1 } },
      evidence: [{ level: 'L4-L5', condition: 'left_subarticular_stenosis', span: 'Mild left lateral recess stenosis' }],
    },
    {
      name: 'hedge ends at a severity',
      text: 'L4-5: Possible disc protrusion, moderate canal stenosis.',
      levels: { 'L4-L5': { disc_herniation: 'uncertain', spinal_canal_stenosis: 2 } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'moderate canal stenosis' }],
    },
    {
      name: 'hedged finding under a certain one',
      text: 'L4-5: Possible epidural lipomatosis. Questionable facet arthropathy. Suspected ligamentum flavum thickening.',
      levels: {
        'L4-L5': { epidural_lipomatosis: 'uncertain', left_facet_arthropathy: 'uncertain', right_facet_arthropathy: 'uncertain', ligamentum_flavum_thickening: 'uncertain' },
      },
    },
  ]);
});

describe('labelReport synonyms and misspellings', () => {
  // The evidence covers the words that carry the value, so a modifier the rules do not list
  // ("annular bulge") stays outside. The third entry is the span where it differs from the phrase.
  const synonyms: [string, Condition[], string?][] = [
    ['facet arthrosis', ['left_facet_arthropathy', 'right_facet_arthropathy']],
    ['facet disease', ['left_facet_arthropathy', 'right_facet_arthropathy']],
    ['facet hypertrophy', ['left_facet_arthropathy', 'right_facet_arthropathy']],
    ['facet degeneration', ['left_facet_arthropathy', 'right_facet_arthropathy']],
    ['facet osteoarthritis', ['left_facet_arthropathy', 'right_facet_arthropathy']],
    ['ligamentum flavum hypertrophy', ['ligamentum_flavum_thickening']],
    ['ligamentum flavum buckling', ['ligamentum_flavum_thickening']],
    ['ligamentum flavum infolding', ['ligamentum_flavum_thickening']],
    ['ligamentous hypertrophy', ['ligamentum_flavum_thickening']],
    ['prominent epidural fat', ['epidural_lipomatosis']],
    ['excess epidural fat', ['epidural_lipomatosis']],
    ['increased epidural fat', ['epidural_lipomatosis']],
    ['bulging disc', ['disc_bulge']],
    ['annular bulge', ['disc_bulge'], 'bulge'],
    ['broad-based bulge', ['disc_bulge'], 'bulge'],
    ['diffuse bulge', ['disc_bulge'], 'bulge'],
    ['protrusion', ['disc_herniation']],
    ['extrusion', ['disc_herniation']],
    ['sequestration', ['disc_herniation']],
    ['herniated disc', ['disc_herniation']],
    ['HNP', ['disc_herniation']],
    ['disc osteophyte complex', ['disc_osteophyte_complex']],
    ['foraminal narrowing', ['left_foraminal_stenosis', 'right_foraminal_stenosis']],
    ['narrowing of the neural foramen', ['left_foraminal_stenosis', 'right_foraminal_stenosis']],
    ['lateral recess stenosis', ['left_subarticular_stenosis', 'right_subarticular_stenosis']],
    ['subarticular zone narrowing', ['left_subarticular_stenosis', 'right_subarticular_stenosis']],
    ['central stenosis', ['spinal_canal_stenosis']],
    ['thecal sac narrowing', ['spinal_canal_stenosis']],
    ['spinal stenosis', ['spinal_canal_stenosis']],
    ['foramenal stenosis', ['left_foraminal_stenosis', 'right_foraminal_stenosis']],
    ['facet arthopathy', ['left_facet_arthropathy', 'right_facet_arthropathy']],
    ['nueral foraminal stenosis', ['left_foraminal_stenosis', 'right_foraminal_stenosis']],
    ['facett arthropathy', ['left_facet_arthropathy', 'right_facet_arthropathy']],
  ];
  runCases(
    synonyms.map(([phrase, conditions, span]) => ({
      name: `reads ${phrase}`,
      text: `L4-5: ${phrase}.`,
      levels: { 'L4-L5': Object.fromEntries(conditions.map((condition) => [condition, 1])) },
      evidence: conditions.map((condition) => ({
        level: 'L4-L5' as const,
        condition,
        span: span ?? phrase,
        fields: GRADED_CONDITIONS.includes(condition as never) ? { unspecifiedGrade: true as const } : {},
      })),
    })),
  );

  it('gives every binary condition a synonym test', () => {
    const tested = new Set(synonyms.flatMap(([, conditions]) => conditions));
    for (const condition of BINARY_CONDITIONS) assert.ok(tested.has(condition), condition);
  });
});

describe('labelReport evidence offsets', () => {
  it('indexes text with surrogate pairs and CRLF', () => {
    const text = '\u{1F600} FINDINGS:\r\nL4\u20135: Severe left foraminal stenosis.\r\n';
    const labels = labelReport(text);
    const evidence = labels.evidence['L4-L5']!.left_foraminal_stenosis!;
    assert.equal(text.slice(evidence.start, evidence.end), 'Severe left foraminal stenosis');
  });

  it('indexes text with lone surrogates', () => {
    const text = '\ud800L4-5: Mild \udc00canal stenosis \ud83d.';
    const labels = labelReport(text);
    const evidence = labels.evidence['L4-L5']!.spinal_canal_stenosis!;
    assert.equal(labels.levels['L4-L5']!.spinal_canal_stenosis, 1);
    assert.equal(text.slice(evidence.start, evidence.end), 'Mild \udc00canal stenosis');
  });

  it('indexes text whose lowercase changes length', () => {
    const text = 'İİİ L4-5: Moderate canal stenosis.';
    const evidence = labelReport(text).evidence['L4-L5']!.spinal_canal_stenosis!;
    assert.equal(text.slice(evidence.start, evidence.end), 'Moderate canal stenosis');
  });
});

const bothForaminaZero: LevelValues = { left_foraminal_stenosis: 0, right_foraminal_stenosis: 0 };
const bothFacetsZero: LevelValues = { left_facet_arthropathy: 0, right_facet_arthropathy: 0 };

describe('labelReport negation over alternatives', () => {
  runCases([
    {
      name: 'or keeps significant negated',
      text: 'L4-5: No disc herniation or significant canal stenosis.',
      levels: { 'L4-L5': { disc_herniation: 0, spinal_canal_stenosis: 0 } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'No disc herniation or significant canal stenosis' }],
    },
    {
      name: 'without reaches significant foramina',
      text: 'L3-4: Without disc bulge or significant foraminal narrowing.',
      levels: { 'L3-L4': { disc_bulge: 0, ...bothForaminaZero } },
    },
    {
      name: 'comma series ending in or',
      text: 'L2-3: No herniation, significant stenosis or facet arthropathy.',
      levels: { 'L2-L3': { disc_herniation: 0, ...stenosisConditions(0), ...bothFacetsZero } },
    },
    {
      name: 'or keeps moderate negated',
      text: 'L4-5: No herniation or moderate stenosis.',
      levels: { 'L4-L5': { disc_herniation: 0, ...stenosisConditions(0) } },
    },
    {
      name: 'comma starts positive statement',
      text: 'L4-5: No herniation, mild bulge.',
      levels: { 'L4-L5': { disc_herniation: 0, disc_bulge: 1 } },
    },
    {
      name: 'semicolon starts positive statement',
      text: 'L4-5: No herniation; moderate stenosis.',
      levels: { 'L4-L5': { disc_herniation: 0, spinal_canal_stenosis: 2 } },
    },
    {
      name: 'and starts positive statement',
      text: 'L4-5: No canal stenosis and mild foraminal narrowing.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 0, left_foraminal_stenosis: 1, right_foraminal_stenosis: 1 } },
    },
    {
      name: 'trailing negation crosses or',
      text: 'L4-5: Herniation or significant stenosis is not seen.',
      levels: { 'L4-L5': { disc_herniation: 0, ...stenosisConditions(0) } },
    },
    {
      name: 'trailing negation stops at severity',
      text: 'L4-5: Mild bulge, herniation or stenosis not seen.',
      levels: { 'L4-L5': { disc_bulge: 1, disc_herniation: 0, ...stenosisConditions(0) } },
    },
    {
      name: 'hedge crosses or',
      text: 'L4-5: Possible herniation or moderate stenosis.',
      levels: { 'L4-L5': { disc_herniation: 'uncertain', spinal_canal_stenosis: 2 } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'moderate stenosis', fields: { uncertain: true } }],
    },
  ]);
});

describe('labelReport resolved findings', () => {
  runCases([
    {
      name: 'has resolved after mid-sentence level',
      text: 'Previously noted severe stenosis at L4-5 has resolved.',
      levels: { 'L4-L5': stenosisConditions(0) },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'severe stenosis at L4-5 has resolved' }],
    },
    {
      name: 'resolved after mid-sentence level',
      text: 'The severe canal stenosis at L4-5 resolved.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 0 } },
    },
    {
      name: 'no longer seen after level',
      text: 'The disc extrusion at L5-S1 is no longer seen.',
      levels: { 'L5-S1': { disc_herniation: 0 } },
    },
    {
      name: 'no longer seen under heading',
      text: 'L4-5: Moderate canal stenosis is no longer seen.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 0 } },
    },
    {
      name: 'comma keeps graded finding',
      // After a comma the trigger does not reach back over an item that opens with a severity.
      text: 'Moderate canal stenosis at L4-5, not seen on the prior study.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    },
  ]);
});

describe('labelReport abbreviations', () => {
  runCases([
    {
      name: 'NF narrowing is foraminal',
      text: 'L4-5: Moderate NF narrowing.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 2, right_foraminal_stenosis: 2 } },
    },
    {
      name: 'bilat NF narrowing',
      text: 'L4-5: Mild bilat NF narrowing.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 1, right_foraminal_stenosis: 1 } },
    },
    {
      name: 'B/L NF narrowing',
      text: 'L4-5: Mild B/L NF narrowing.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 1, right_foraminal_stenosis: 1 } },
    },
    {
      name: 'sev L NF stenosis',
      text: 'L5-S1 sev L NF stenosis',
      levels: { 'L5-S1': { left_foraminal_stenosis: 3 } },
      evidence: [{ level: 'L5-S1', condition: 'left_foraminal_stenosis', span: 'sev L NF stenosis' }],
    },
    {
      name: 'R before NF is right',
      text: 'L4-5 R NF narrowing.',
      levels: { 'L4-L5': { right_foraminal_stenosis: 1 } },
    },
    {
      name: 'L before a word is no side',
      text: 'L4-5: L foraminal stenosis.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 1, right_foraminal_stenosis: 1 } },
    },
    {
      name: 'mod grades moderate',
      text: 'L4-5: Mod canal stenosis.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    },
    {
      name: 'LF thickening',
      text: 'L4-5: LF thickening.',
      levels: { 'L4-L5': { ligamentum_flavum_thickening: 1 } },
    },
    {
      name: 'normal calibre British spelling',
      text: 'L4-5: Canal and exit foramina of normal calibre.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 0, ...bothForaminaZero } },
    },
    {
      name: 'DDD and DJD give nothing',
      text: 'L4-5: Mild DDD and DJD.',
      levels: {},
    },
    {
      name: 'DDD narrowing gives nothing',
      text: 'L4-5: Mild DDD narrowing.',
      levels: {},
    },
  ]);
});

describe('labelReport bare narrowing', () => {
  runCases([
    {
      name: 'unknown abbreviation is no canal',
      text: 'L4-5: Moderate IVF narrowing.',
      levels: {},
    },
    {
      name: 'nerve root compromise is no canal',
      text: 'L4-5: No nerve root compromise.',
      levels: {},
    },
    {
      name: 'unknown lowercase word keeps canal',
      text: 'L4-5: Mild multifactorial stenosis.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
    },
    {
      name: 'all-capital text keeps canal',
      text: 'L4-5: MILD IVF STENOSIS.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
    },
  ]);
});

describe('labelReport hedge after a comma', () => {
  runCases([
    {
      name: 'hedge of unknown words only',
      text: 'L5-S1: Small central protrusion, possible annular fissure.',
      levels: { 'L5-S1': { disc_herniation: 1 } },
    },
    {
      name: 'hedge alone hedges item before',
      text: 'L4-5: Small protrusion, cannot be excluded.',
      levels: { 'L4-L5': { disc_herniation: 'uncertain' } },
    },
    {
      name: 'hedge after mid-sentence level',
      text: 'Severe stenosis at L4-5 is suspected.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 3 } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'Severe stenosis', fields: { uncertain: true } }],
    },
  ]);
});

describe('labelReport level lists and phrases', () => {
  runCases([
    {
      name: 'comma list heading',
      text: 'L4-5, L5-S1: mild facet arthropathy.',
      levels: {
        'L4-L5': { left_facet_arthropathy: 1, right_facet_arthropathy: 1 },
        'L5-S1': { left_facet_arthropathy: 1, right_facet_arthropathy: 1 },
      },
    },
    {
      name: 'comma and list heading',
      text: 'L3-4, L4-5 and L5-S1: disc bulges.',
      levels: { 'L3-L4': { disc_bulge: 1 }, 'L4-L5': { disc_bulge: 1 }, 'L5-S1': { disc_bulge: 1 } },
    },
    {
      name: 'semicolon list heading',
      text: 'L4-5; L5-S1: disc bulges.',
      levels: { 'L4-L5': { disc_bulge: 1 }, 'L5-S1': { disc_bulge: 1 } },
    },
    {
      name: 'semicolon after a finding',
      text: 'Mild bulge at L4-5; L5-S1: protrusion.',
      levels: { 'L4-L5': { disc_bulge: 1 }, 'L5-S1': { disc_herniation: 1 } },
    },
    {
      name: 'level inside a noun phrase',
      text: 'Severe left L5-S1 foraminal stenosis.',
      levels: { 'L5-S1': { left_foraminal_stenosis: 3 } },
      evidence: [{ level: 'L5-S1', condition: 'left_foraminal_stenosis', span: 'Severe left L5-S1 foraminal stenosis' }],
    },
    {
      name: 'level between grade and bulge',
      text: 'Mild L4-5 disc bulge.',
      levels: { 'L4-L5': { disc_bulge: 1 } },
    },
  ]);
});

describe('labelReport side without structure', () => {
  runCases([
    {
      name: 'right is patent after left foramen',
      text: 'L4-5: The left foramen is narrowed, the right is patent.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 1, right_foraminal_stenosis: 0 } },
    },
    {
      name: 'right is patent after foramina',
      text: 'L4-5: Neural foramina: left moderately narrowed, the right is patent.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 2, right_foraminal_stenosis: 0 } },
    },
    {
      name: 'right is patent on own line',
      // "Neural foramina:" heads the line after it, so the side refers to the foramina.
      text: 'L4-5:\nNeural foramina:\nThe right is patent.',
      levels: { 'L4-L5': { right_foraminal_stenosis: 0 } },
    },
    {
      name: 'right is narrowed after left foramen',
      text: 'L4-5: The left foramen is moderately narrowed and the right is mildly narrowed.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 2, right_foraminal_stenosis: 1 } },
      evidence: [{ level: 'L4-L5', condition: 'right_foraminal_stenosis', span: 'left foramen is moderately narrowed and the right is mildly narrowed' }],
    },
    {
      name: 'right is patent across semicolon',
      text: 'L4-L5: Mild narrowing of the left neural foramen without nerve root impingement; the right is patent.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 1, right_foraminal_stenosis: 0 } },
    },
    {
      name: 'right is graded across semicolon',
      text: 'L4-5: Moderate left foraminal stenosis; mild on the right.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 2, right_foraminal_stenosis: 1 } },
    },
    {
      name: 'right is not narrowed across semicolon',
      text: 'L4-5: Severe left subarticular stenosis; the right is not narrowed.',
      levels: { 'L4-L5': { left_subarticular_stenosis: 3, right_subarticular_stenosis: 0 } },
    },
    {
      name: 'side after facet finding',
      // Facets take no narrowing word, so the side refers to nothing the labeler can grade.
      text: 'L4-5: Left facet arthropathy; the right is narrowed.',
      levels: { 'L4-L5': { left_facet_arthropathy: 1 } },
    },
    {
      name: 'side after another sentence',
      text: 'L4-5: The left foramen is narrowed. The right is patent.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 1, right_foraminal_stenosis: 0 } },
    },
    {
      name: 'side after level change',
      text: 'L4-5: Left foraminal stenosis; L5-S1: the right is narrowed.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 1 } },
    },
    {
      name: 'lone side narrowed',
      text: 'L4-5: The right is mildly narrowed.',
      levels: {},
    },
    {
      name: 'lone side patent after bare stenosis',
      text: 'L4-5: Mild left stenosis; the right is patent.',
      levels: {},
    },
    {
      name: 'negated lone side spares canal',
      text: 'L4-5: No left stenosis.',
      levels: { 'L4-L5': { left_foraminal_stenosis: 0, left_subarticular_stenosis: 0 } },
    },
    {
      name: 'negated bilateral stenosis spares canal',
      text: 'L4-5: No bilateral stenosis.',
      levels: {
        'L4-L5': { left_foraminal_stenosis: 0, right_foraminal_stenosis: 0, left_subarticular_stenosis: 0, right_subarticular_stenosis: 0 },
      },
    },
  ]);
});

describe('labelReport joint disease', () => {
  runCases([
    {
      name: 'facet DJD in capitals',
      text: 'L5-S1: MILD B/L FACET DJD.',
      levels: { 'L5-S1': { left_facet_arthropathy: 1, right_facet_arthropathy: 1 } },
      evidence: [{ level: 'L5-S1', condition: 'left_facet_arthropathy', span: 'MILD B/L FACET DJD' }],
    },
    {
      name: 'left facet DJD',
      text: 'L5-S1: Left facet DJD.',
      levels: { 'L5-S1': { left_facet_arthropathy: 1 } },
    },
    {
      name: 'facet degenerative joint disease',
      text: 'L4-5: Mild facet degenerative joint disease.',
      levels: { 'L4-L5': { left_facet_arthropathy: 1, right_facet_arthropathy: 1 } },
    },
    {
      name: 'DJD alone',
      text: 'L5-S1: DJD.',
      levels: {},
    },
    {
      name: 'degenerative joint disease alone',
      text: 'L5-S1: Degenerative joint disease.',
      levels: {},
    },
    {
      name: 'DDD and DJD alone',
      text: 'L5-S1: Multilevel DDD and DJD.',
      levels: {},
    },
    {
      name: 'DJD narrowing',
      text: 'L5-S1: DJD narrowing.',
      levels: {},
    },
  ]);
});

describe('labelReport level carried over', () => {
  runCases([
    {
      name: 'trailing level becomes current',
      text: 'There is a disc bulge at L4-5. Mild canal stenosis.',
      levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 1 } },
    },
    {
      name: 'level inside sentence becomes current',
      text: 'Evaluation of the L5-S1 level shows a right protrusion. The right lateral recess is narrowed.',
      levels: { 'L5-S1': { disc_herniation: 1, right_subarticular_stenosis: 1 } },
    },
    {
      name: 'next level replaces carried level',
      text: 'Disc bulge at L4-5. Small protrusion at L5-S1. Mild canal stenosis.',
      levels: { 'L4-L5': { disc_bulge: 1 }, 'L5-S1': { disc_herniation: 1, spinal_canal_stenosis: 1 } },
    },
    {
      name: 'blank line ends carried level',
      text: 'There is a disc bulge at L4-5.\n\nMild canal stenosis.',
      levels: { 'L4-L5': { disc_bulge: 1 } },
    },
    {
      name: 'blank line keeps heading',
      text: 'L4-5:\n\nMild canal stenosis.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
    },
    {
      name: 'section change ends carried level',
      text: 'There is a disc bulge at L4-5.\nIMPRESSION:\nMild canal stenosis.',
      levels: { 'L4-L5': { disc_bulge: 1 } },
    },
    {
      name: 'level without finding does not carry',
      text: 'The conus ends at the L1-2 level. Mild facet arthropathy.',
      levels: {},
    },
  ]);
});

describe('labelReport one level over several', () => {
  runCases([
    {
      name: 'level statement replaces span value',
      text: 'L3-S1: Moderate canal stenosis. Mild canal stenosis at L4-5.',
      levels: { 'L3-L4': { spinal_canal_stenosis: 2 }, 'L4-L5': { spinal_canal_stenosis: 1 }, 'L5-S1': { spinal_canal_stenosis: 2 } },
      evidence: [
        { level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'Mild canal stenosis' },
        { level: 'L3-L4', condition: 'spinal_canal_stenosis', span: 'Moderate canal stenosis' },
      ],
    },
    {
      name: 'level statement before span',
      text: 'Mild canal stenosis at L4-5. L3-S1: Moderate canal stenosis.',
      levels: { 'L3-L4': { spinal_canal_stenosis: 2 }, 'L4-L5': { spinal_canal_stenosis: 1 }, 'L5-S1': { spinal_canal_stenosis: 2 } },
    },
    {
      name: 'higher value between levels',
      text: 'Moderate canal stenosis at L4-5. Mild canal stenosis at L4-5.',
      levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'Moderate canal stenosis' }],
    },
    {
      name: 'higher value between spans',
      text: 'L3-S1: Moderate canal stenosis. Mild canal stenosis at L4-5 and L5-S1.',
      levels: { 'L3-L4': { spinal_canal_stenosis: 2 }, 'L4-L5': { spinal_canal_stenosis: 2 }, 'L5-S1': { spinal_canal_stenosis: 2 } },
    },
    {
      name: 'findings span beats impression level',
      text: 'FINDINGS:\nL3-S1: Moderate canal stenosis.\nIMPRESSION:\nSevere canal stenosis at L4-5.',
      levels: { 'L3-L4': { spinal_canal_stenosis: 2 }, 'L4-L5': { spinal_canal_stenosis: 2 }, 'L5-S1': { spinal_canal_stenosis: 2 } },
      evidence: [{ level: 'L4-L5', condition: 'spinal_canal_stenosis', span: 'Moderate canal stenosis', fields: { section: 'findings' } }],
      warnings: ['SECTION_DISAGREEMENT'],
    },
  ]);
});

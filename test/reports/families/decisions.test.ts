import {
  allConditions,
  allStenosis,
  atLevels,
  atLumbarLevels,
  bothFacets,
  bothForamina,
  bothSubarticular,
  mergeLevels,
  testCases,
  type ExpectedLevels,
  type LabelCase,
} from './expect.js';

// Questions that the revised labeling rules decide. They cover sentences with several levels, when a
// level carries over, headers in flattened text and bare "stenosis". They also cover hedge and
// negation scope, whole-study and remaining-level statements, and section precedence.

/**
 * Returns two cases for one report written as lines: once with line breaks and once with the
 * breaks flattened into ", ". The rules require both to give the same labels.
 */
function withBreaksAndFlattened(name: string, lines: string[], levels: ExpectedLevels): LabelCase[] {
  return [
    { name: `${name} with breaks`, text: lines.join('\n'), levels },
    { name: `${name} flattened`, text: lines.join(', '), levels },
  ];
}

const severalLevelsInOneSentence: LabelCase[] = [
  {
    name: 'bare stenosis at two levels',
    text: 'Mild stenosis at L3-4 and moderate stenosis at L4-5.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: {
      'L3-L4': { spinal_canal_stenosis: { keyword: 'mild' } },
      'L4-L5': { spinal_canal_stenosis: { keyword: 'moderate' } },
    },
  },
  {
    name: 'grade for bare stenosis elsewhere',
    text: 'Mild stenosis at L3-4, moderate at L4-5.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'moderate' } } },
  },
  {
    name: 'grade after level colon',
    text: 'Stenosis at L3-4: severe.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 3 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { keyword: 'severe', unspecifiedGrade: false } } },
  },
  {
    name: 'side after level colon',
    text: 'Foraminal stenosis at L5-S1: mild on the right.',
    levels: { 'L5-S1': { right_foraminal_stenosis: 1 } },
  },
  {
    name: 'finding heads graded level list',
    text: 'Foraminal narrowing: L4-5 mild, L5-S1 moderate on the left.',
    levels: { 'L4-L5': bothForamina(1), 'L5-S1': { left_foraminal_stenosis: 2 } },
  },
  {
    name: 'level list with none',
    text: 'Canal stenosis: L2-3 none, L3-4 mild, L4-5 moderate.',
    levels: { 'L2-L3': { spinal_canal_stenosis: 0 }, 'L3-L4': { spinal_canal_stenosis: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'level list heads the sentence',
    text: 'At L3-4 and L4-5 there is a disc bulge.',
    levels: atLevels(['L3-L4', 'L4-L5'], { disc_bulge: 1 }),
  },
  {
    name: 'two headings in one sentence',
    text: 'At L3-4 there is a disc bulge, and at L4-5 moderate canal stenosis.',
    levels: { 'L3-L4': { disc_bulge: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'two qualifying levels',
    text: 'Mild disc bulge at L3-4 and moderate canal stenosis at L4-5.',
    levels: { 'L3-L4': { disc_bulge: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'list items take next qualifying level',
    text: 'Mild facet arthropathy, a disc bulge and moderate canal stenosis at L4-5.',
    levels: { 'L4-L5': { ...bothFacets(1), disc_bulge: 1, spinal_canal_stenosis: 2 } },
  },
  {
    name: 'finding after qualifying level',
    // No heading and no later level, so the stenosis goes to the nearest level.
    text: 'Multilevel spondylosis, most pronounced at L4-5 where there is moderate canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'heading then qualifying level',
    text: 'At L4-5 there is a disc bulge, and a small protrusion at L5-S1.',
    levels: { 'L4-L5': { disc_bulge: 1 }, 'L5-S1': { disc_herniation: 1 } },
  },
  {
    name: 'bulges at pair protrusion below',
    text: 'Mild disc bulges at L3-4 and L4-5 and a small protrusion at L5-S1.',
    levels: { 'L3-L4': { disc_bulge: 1 }, 'L4-L5': { disc_bulge: 1 }, 'L5-S1': { disc_herniation: 1 } },
  },
];

const currentLevel: LabelCase[] = [
  {
    name: 'opening level carries over',
    text: 'At L4-5 there is a disc bulge. Mild canal stenosis.',
    levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 1 } },
  },
  {
    name: 'trailing level carries over',
    // The sentence names exactly one level, so that level becomes current although it is named mid-sentence.
    text: 'There is a disc bulge at L4-5. Mild canal stenosis.',
    levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 1 } },
  },
  {
    name: 'last heading of sentence carries',
    text: 'At L3-4 there is a disc bulge, and at L4-5 a small protrusion. Moderate canal stenosis.',
    levels: { 'L3-L4': { disc_bulge: 1 }, 'L4-L5': { disc_herniation: 1, spinal_canal_stenosis: 2 } },
  },
  {
    name: 'mid-sentence level ends current',
    text: 'At L4-5 there is a disc bulge, and a small protrusion at L5-S1. Mild facet arthropathy.',
    levels: { 'L4-L5': { disc_bulge: 1 }, 'L5-S1': { disc_herniation: 1 } },
  },
  {
    name: 'span heading stays current',
    text: 'L2-L3 through L4-L5: Mild disc bulges. No canal stenosis.',
    levels: atLevels(['L2-L3', 'L3-L4', 'L4-L5'], { disc_bulge: 1, spinal_canal_stenosis: 0 }),
  },
  {
    name: 'span heading then level heading',
    text: 'L3-S1: Mild bilateral foraminal stenosis.\nL4-5: Severe left foraminal stenosis.',
    levels: {
      'L3-L4': bothForamina(1),
      'L4-L5': { left_foraminal_stenosis: 3, right_foraminal_stenosis: 1 },
      'L5-S1': bothForamina(1),
    },
    evidence: {
      'L4-L5': { left_foraminal_stenosis: { keyword: 'severe' }, right_foraminal_stenosis: { keyword: 'mild' } },
    },
  },
  {
    name: 'level grade replaces span grade',
    // Within one section a statement naming one level replaces, at that level, the value of a statement naming several.
    text: 'L3-S1: Moderate canal stenosis. Mild canal stenosis at L4-5.',
    levels: { ...atLevels(['L3-L4', 'L5-S1'], { spinal_canal_stenosis: 2 }), 'L4-L5': { spinal_canal_stenosis: 1 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'mild' } } },
  },
  {
    name: 'level inside span ends span',
    // The second sentence names only L4-5, which then stays current for the bulge.
    text: 'L3-S1: Mild bilateral facet arthropathy. Moderate canal stenosis at L4-5. Small disc bulge.',
    levels: mergeLevels(atLevels(['L3-L4', 'L4-L5', 'L5-S1'], bothFacets(1)), { 'L4-L5': { spinal_canal_stenosis: 2, disc_bulge: 1 } }),
  },
  {
    name: 'level ends at impression header',
    // The impression statement names no level, so it is about the whole study, not about L4-5 alone.
    text: 'FINDINGS:\nL4-5: Moderate canal stenosis.\nIMPRESSION:\nNo canal stenosis.',
    levels: mergeLevels(atLumbarLevels({ spinal_canal_stenosis: 0 }), { 'L4-L5': { spinal_canal_stenosis: 2 } }),
    evidence: { 'L4-L5': { spinal_canal_stenosis: { section: 'findings' } }, 'L2-L3': { spinal_canal_stenosis: { section: 'impression', global: true } } },
    warnings: ['SECTION_DISAGREEMENT'],
  },
  {
    name: 'severe findings against negative impression',
    text: 'FINDINGS:\nL3-4: Severe left foraminal narrowing.\nIMPRESSION:\nNo significant foraminal narrowing.',
    levels: mergeLevels(atLumbarLevels(bothForamina(0)), { 'L3-L4': { left_foraminal_stenosis: 3 } }),
    evidence: { 'L3-L4': { left_foraminal_stenosis: { section: 'findings' }, right_foraminal_stenosis: { section: 'impression', global: true } } },
    warnings: ['SECTION_DISAGREEMENT'],
  },
  {
    name: 'negative statement without level',
    text: 'Mild disc bulging at L4-5 and L5-S1.\nThe visualized thoracic spine shows no disc herniation.\nNo spinal canal stenosis.',
    levels: mergeLevels(atLumbarLevels({ spinal_canal_stenosis: 0 }), atLevels(['L4-L5', 'L5-S1'], { disc_bulge: 1 })),
    evidence: { 'L1-L2': { spinal_canal_stenosis: { global: true } } },
  },
  {
    name: 'impression finding without level',
    text: 'FINDINGS:\nL4-5: Mild disc bulge.\nIMPRESSION:\nModerate canal stenosis.',
    levels: { 'L4-L5': { disc_bulge: 1 } },
  },
  {
    name: 'heading inside impression carries',
    text: 'IMPRESSION:\nL4-5: Moderate canal stenosis.\nNo foraminal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2, ...bothForamina(0) } },
    everyEvidence: { section: 'impression' },
  },
];

const flattenedHeadings: LabelCase[] = [
  ...withBreaksAndFlattened('headings without colons', ['L3-4 mild disc bulge', 'L4-5 moderate canal stenosis', 'L5-S1 no disc herniation'], {
    'L3-L4': { disc_bulge: 1 },
    'L4-L5': { spinal_canal_stenosis: 2 },
    'L5-S1': { disc_herniation: 0 },
  }),
  ...withBreaksAndFlattened(
    'negation stops at next heading',
    ['L2-3 no disc bulge or herniation', 'L3-4 facet arthropathy', 'L4-5 mild canal stenosis'],
    {
      'L2-L3': { disc_bulge: 0, disc_herniation: 0 },
      'L3-L4': bothFacets(1),
      'L4-L5': { spinal_canal_stenosis: 1 },
    },
  ),
  ...withBreaksAndFlattened('findings header without colon', ['FINDINGS', 'L4-5 disc bulge', 'L5-S1 mild left foraminal stenosis'], {
    'L4-L5': { disc_bulge: 1 },
    'L5-S1': { left_foraminal_stenosis: 1 },
  }),
  ...withBreaksAndFlattened('finding heads level lines', ['Spinal canal narrowing:', 'L2-3: none', 'L3-4: mild', 'L4-5: severe'], {
    'L2-L3': { spinal_canal_stenosis: 0 },
    'L3-L4': { spinal_canal_stenosis: 1 },
    'L4-L5': { spinal_canal_stenosis: 3 },
  }),
  ...withBreaksAndFlattened('foramina head level lines', ['Neural foramina:', 'L3-4: mild on the left', 'L4-5: moderate bilateral', 'L5-S1: normal'], {
    'L3-L4': { left_foraminal_stenosis: 1 },
    'L4-L5': bothForamina(2),
    'L5-S1': bothForamina(0),
  }),
  {
    name: 'finding heading ends at finding',
    text: 'Canal stenosis:\nL3-4: moderate\nL4-5: Disc bulge.\nL5-S1: Normal.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 2 }, 'L4-L5': { disc_bulge: 1 }, 'L5-S1': allConditions(0) },
  },
  {
    name: 'finding heading ends at blank line',
    text: 'L4-5: Disc bulge.\nCanal stenosis:\nL3-4 moderate\n\nL5-S1 normal.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 2 }, 'L4-L5': { disc_bulge: 1 }, 'L5-S1': allConditions(0) },
  },
  {
    name: 'semicolons between headings',
    text: 'L3-4: mild disc bulge; L4-5: moderate canal stenosis; L5-S1: no disc herniation',
    levels: { 'L3-L4': { disc_bulge: 1 }, 'L4-L5': { spinal_canal_stenosis: 2 }, 'L5-S1': { disc_herniation: 0 } },
  },
];

const flattenedSections: LabelCase[] = [
  {
    name: 'flattened lines with colon headers',
    text: 'FINDINGS:, L4-5: Moderate canal stenosis., IMPRESSION:, Severe canal stenosis at L4-5.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'moderate', section: 'findings' } } },
    warnings: ['SECTION_DISAGREEMENT'],
  },
  {
    name: 'impression after comma',
    text: 'L4-5: Moderate canal stenosis, IMPRESSION: Severe canal stenosis at L4-5.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'moderate', section: 'findings' } } },
    warnings: ['SECTION_DISAGREEMENT'],
  },
  {
    name: 'impression after semicolon',
    text: 'L4-5: Moderate canal stenosis; IMPRESSION: severe canal stenosis at L4-5.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { section: 'findings' } } },
    warnings: ['SECTION_DISAGREEMENT'],
  },
  {
    name: 'flattened header needs colon',
    // Without its colon the word opens no section, so both statements are findings and the higher grade wins.
    text: 'FINDINGS:, L4-5: Moderate canal stenosis., IMPRESSION, Severe canal stenosis at L4-5.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 3 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'severe', section: 'findings' } } },
  },
  {
    name: 'header alone on line opens',
    text: 'FINDINGS\nL4-5: Moderate canal stenosis.\nIMPRESSION\nSevere canal stenosis at L4-5.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'moderate', section: 'findings' } } },
    warnings: ['SECTION_DISAGREEMENT'],
  },
  {
    name: 'flattened header ends level',
    text: 'L4-5: Moderate canal stenosis. IMPRESSION: Mild bilateral foraminal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'flattened history gives nothing',
    text: 'HISTORY: rule out stenosis at L3-4, FINDINGS: L4-5: mild disc bulge',
    levels: { 'L4-L5': { disc_bulge: 1 } },
    evidence: { 'L4-L5': { disc_bulge: { section: 'findings' } } },
  },
  {
    name: 'capital header before numbered item',
    text: 'FINDINGS:\nL4-5: Moderate canal stenosis.\nIMPRESSION 1. Severe canal stenosis at L4-5.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { section: 'findings' } } },
    warnings: ['SECTION_DISAGREEMENT'],
  },
  {
    name: 'lowercase header alone on line',
    text: 'Findings\nL4-5: Mild disc bulge.\nImpression\nModerate canal stenosis at L3-4.',
    levels: { 'L4-L5': { disc_bulge: 1 }, 'L3-L4': { spinal_canal_stenosis: 2 } },
    evidence: {
      'L4-L5': { disc_bulge: { section: 'findings' } },
      'L3-L4': { spinal_canal_stenosis: { section: 'impression' } },
    },
  },
  {
    name: 'lowercase header with text',
    // The word has no colon, is not alone on its line and is not in capitals, so it opens no section.
    text: 'L4-5: Mild disc bulge.\nImpression mild canal stenosis at L3-4.',
    levels: { 'L4-L5': { disc_bulge: 1 }, 'L3-L4': { spinal_canal_stenosis: 1 } },
    everyEvidence: { section: 'findings' },
  },
];

const bareStenosis: LabelCase[] = [
  {
    name: 'bare stenosis means canal',
    text: 'L4-5: Mild stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'mild', unspecifiedGrade: false } } },
  },
  {
    name: 'predicate after structure and level',
    text: 'The left subarticular recess at L4-5 is moderately narrowed.',
    levels: { 'L4-L5': { left_subarticular_stenosis: 2 } },
    evidence: { 'L4-L5': { left_subarticular_stenosis: { keyword: 'moderately' } } },
  },
  {
    name: 'negated predicate after level',
    text: 'The central canal at L2-3 is not narrowed.',
    levels: { 'L2-L3': { spinal_canal_stenosis: 0 } },
  },
  {
    name: 'bare stenosis without grade',
    text: 'L3-4: Disc bulge with stenosis.',
    levels: { 'L3-L4': { disc_bulge: 1, spinal_canal_stenosis: 1 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { unspecifiedGrade: true } } },
  },
  {
    name: 'no stenosis negates all five',
    text: 'L4-5: No stenosis.',
    levels: { 'L4-L5': allStenosis(0) },
  },
  {
    name: 'no significant bare stenosis',
    text: 'L2-3: Minimal disc bulge. No significant stenosis.',
    levels: { 'L2-L3': { disc_bulge: 1, ...allStenosis(0) } },
  },
  {
    name: 'bare stenosis not seen',
    text: 'L1-2: Stenosis is not seen.',
    levels: { 'L1-L2': allStenosis(0) },
  },
  {
    name: 'side without structure',
    text: 'L4-5: Mild disc bulge. Severe left stenosis.',
    levels: { 'L4-L5': { disc_bulge: 1 } },
  },
];

const hedgesAndNegations: LabelCase[] = [
  {
    name: 'hedge after the bulge',
    text: 'L5-S1: The disc bulge may cause mild left foraminal narrowing.',
    levels: { 'L5-S1': { disc_bulge: 1, left_foraminal_stenosis: 1 } },
    evidence: { 'L5-S1': { left_foraminal_stenosis: { keyword: 'mild', uncertain: true } } },
  },
  {
    name: 'hedge over a list',
    text: 'L4-5: Possible disc protrusion and facet arthropathy.',
    levels: { 'L4-L5': { disc_herniation: 'uncertain', ...bothFacets('uncertain') } },
  },
  {
    name: 'hedge stops at severity item',
    text: 'L5-S1: Possible small disc protrusion, moderate canal stenosis.',
    levels: { 'L5-S1': { disc_herniation: 'uncertain', spinal_canal_stenosis: 2 } },
    evidence: { 'L5-S1': { spinal_canal_stenosis: { keyword: 'moderate', uncertain: false } } },
  },
  {
    name: 'cannot be ruled out',
    text: 'L4-5: Left foraminal stenosis cannot be ruled out.',
    levels: { 'L4-L5': { left_foraminal_stenosis: 1 } },
    evidence: { 'L4-L5': { left_foraminal_stenosis: { uncertain: true, unspecifiedGrade: true } } },
  },
  {
    name: 'suspicious for extrusion',
    text: 'L5-S1: Focal signal suspicious for a small disc extrusion.',
    levels: { 'L5-S1': { disc_herniation: 'uncertain' } },
  },
  {
    name: 'hedged absence stays absent',
    text: 'L3-4: Probably no disc herniation.',
    levels: { 'L3-L4': { disc_herniation: 0 } },
  },
  {
    name: 'canal moderately narrowed',
    text: 'L4-5: The canal is moderately narrowed.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'moderate', unspecifiedGrade: false } } },
  },
  {
    name: 'left foramen severely narrowed',
    text: 'L5-S1: The left neural foramen is severely narrowed.',
    levels: { 'L5-S1': { left_foraminal_stenosis: 3 } },
  },
  {
    name: 'canal stenosis not seen',
    text: 'L3-4: Canal stenosis is not seen.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 0 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { keyword: 'canal' } } },
  },
  {
    name: 'two conditions not identified',
    text: 'L2-3: Disc herniation and canal stenosis are not identified.',
    levels: { 'L2-L3': { disc_herniation: 0, spinal_canal_stenosis: 0 } },
  },
  {
    name: 'trailing negation stays in sentence',
    text: 'L4-5: Mild disc bulge. Canal stenosis is not seen.',
    levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 0 } },
  },
  {
    name: 'not before severity word',
    text: 'L4-5: The canal stenosis is not severe.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { unspecifiedGrade: true } } },
  },
  {
    name: 'no critical stenosis states nothing',
    text: 'L2-3: No critical central canal narrowing.',
    levels: {},
  },
  {
    name: 'no severe foramina keeps others',
    text: 'At L5-S1 there is no severe foraminal narrowing and no disc protrusion.',
    levels: { 'L5-S1': { disc_herniation: 0 } },
  },
  {
    name: 'not severely narrowed foramen',
    text: 'L3-4: The left neural foramen is not severely narrowed.',
    levels: { 'L3-L4': { left_foraminal_stenosis: 1 } },
    evidence: { 'L3-L4': { left_foraminal_stenosis: { unspecifiedGrade: true } } },
  },
  {
    name: 'negation stops at severity item',
    text: 'L4-5: No canal stenosis, mild foraminal narrowing.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 0, ...bothForamina(1) } },
  },
  {
    name: 'patent without structure',
    text: 'L1-2: Patent.',
    levels: { 'L1-L2': { spinal_canal_stenosis: 0, ...bothForamina(0) } },
  },
  {
    name: 'normal facet joints',
    text: 'L2-3: Mild disc bulge. The facet joints are normal.',
    levels: { 'L2-L3': { disc_bulge: 1, ...bothFacets(0) } },
  },
  {
    name: 'normal disc',
    text: 'L1-2: Normal disc. Mild facet arthropathy.',
    levels: { 'L1-L2': { disc_bulge: 0, disc_herniation: 0, ...bothFacets(1) } },
  },
  {
    name: 'normal disc height',
    text: 'L3-4: Normal disc height. Mild facet arthropathy.',
    levels: { 'L3-L4': bothFacets(1) },
  },
];

const severityScope: LabelCase[] = [
  {
    name: 'facet and flavum hypertrophy',
    text: 'L4-5: Mild facet and ligamentum flavum hypertrophy.',
    levels: { 'L4-L5': { ...bothFacets(1), ligamentum_flavum_thickening: 1 } },
  },
  {
    name: 'grade shared by list',
    text: 'L4-5: Mild canal and foraminal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 1, ...bothForamina(1) } },
    evidence: {
      'L4-L5': { left_foraminal_stenosis: { unspecifiedGrade: false }, right_foraminal_stenosis: { unspecifiedGrade: false } },
    },
  },
  {
    name: 'grade stops at finding word',
    text: 'L4-5: Mild canal stenosis and foraminal narrowing.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 1, ...bothForamina(1) } },
    evidence: {
      'L4-L5': {
        spinal_canal_stenosis: { unspecifiedGrade: false },
        left_foraminal_stenosis: { unspecifiedGrade: true },
        right_foraminal_stenosis: { unspecifiedGrade: true },
      },
    },
  },
  {
    name: 'grade and side carry forward',
    text: 'L3-4: Moderate canal and left foraminal stenosis.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 2, left_foraminal_stenosis: 2 } },
  },
  {
    name: 'side carries to subarticular',
    text: 'L5-S1: Left foraminal and subarticular stenosis.',
    levels: { 'L5-S1': { left_foraminal_stenosis: 1, left_subarticular_stenosis: 1 } },
  },
  {
    name: 'grade after finding',
    text: 'L3-4: The canal stenosis is moderate.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'bulge causing stenosis',
    text: 'L4-5: Disc bulge causing moderate canal stenosis.',
    levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 2 } },
  },
  {
    name: 'side after ungraded finding',
    text: 'L4-5: Foraminal stenosis, moderate on the right.',
    levels: { 'L4-L5': { right_foraminal_stenosis: 2 } },
  },
  {
    name: 'left greater than right ungraded',
    text: 'L4-5: Left greater than right foraminal stenosis.',
    levels: { 'L4-L5': bothForamina(1) },
    evidence: {
      'L4-L5': { left_foraminal_stenosis: { unspecifiedGrade: true }, right_foraminal_stenosis: { unspecifiedGrade: true } },
    },
  },
  {
    name: 'left greater than right moderate',
    text: 'L4-5: Moderate left greater than right foraminal stenosis.',
    levels: { 'L4-L5': bothForamina(2) },
  },
  {
    name: 'left greater than right mild',
    text: 'L3-4: Mild left greater than right foraminal stenosis.',
    levels: { 'L3-L4': bothForamina(1) },
  },
  {
    name: 'right > left severe',
    text: 'L5-S1: Severe right > left foraminal narrowing.',
    levels: { 'L5-S1': bothForamina(3) },
  },
  {
    name: 'trailing left greater ungraded',
    text: 'L4-5: Foraminal stenosis, left greater than right.',
    levels: { 'L4-L5': bothForamina(1) },
  },
  {
    name: 'thecal sac measures',
    text: 'L4-5: Disc bulge. The thecal sac measures 9 mm.',
    levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 3 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { measurementMm: 9 } } },
  },
  {
    name: 'diameter in cm',
    text: 'L3-4: Canal stenosis, AP diameter 0.9 cm.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 3 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { measurementMm: 9 } } },
  },
  {
    name: 'disc size never grades canal',
    text: 'L4-5: Central protrusion measuring 6 mm with canal stenosis.',
    levels: { 'L4-L5': { disc_herniation: 1, spinal_canal_stenosis: 1 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { unspecifiedGrade: true, measurementMm: null } } },
  },
  {
    name: 'dimensions never grade canal',
    text: 'L5-S1: Left paracentral protrusion measuring 5 x 8 mm. Mild canal stenosis.',
    levels: { 'L5-S1': { disc_herniation: 1, spinal_canal_stenosis: 1 } },
    evidence: { 'L5-S1': { spinal_canal_stenosis: { keyword: 'mild', measurementMm: null } } },
  },
];

const withinSection: LabelCase[] = [
  {
    name: 'certain beats hedged equal grade',
    text: 'L4-5: Moderate canal stenosis may be present. Moderate canal stenosis on axial images.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { uncertain: false } } },
  },
  {
    name: 'stated grade beats default',
    text: 'L4-5: Canal stenosis. Mild canal stenosis on axial images.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'mild', unspecifiedGrade: false } } },
  },
  {
    name: 'uncertain beats absent',
    text: 'L5-S1: No disc herniation. Possible small disc protrusion.',
    levels: { 'L5-S1': { disc_herniation: 'uncertain' } },
  },
  {
    name: 'agreeing sections name findings',
    // NOTE: The rules state the findings-over-impression order only for disagreements. This case assumes
    // that the same order picks the evidence when both sections agree.
    text: 'FINDINGS:\nL4-5: Moderate canal stenosis.\nIMPRESSION:\nModerate canal stenosis at L4-5.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { section: 'findings' } } },
  },
  {
    name: 'impression first still names findings',
    text: 'IMPRESSION:\nModerate canal stenosis at L4-5.\nFINDINGS:\nL4-5: Moderate canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { section: 'findings' } } },
  },
];

const wholeStudy: LabelCase[] = [
  {
    name: 'no acute abnormality',
    // "Acute" leaves chronic degenerative change open, so the line states nothing about the levels.
    text: 'MRI LUMBAR SPINE\nFINDINGS:\nL4-5: Mild disc bulge.\nIMPRESSION:\nNo acute abnormality.',
    levels: { 'L4-L5': { disc_bulge: 1 } },
  },
  {
    name: 'otherwise unremarkable after heading',
    // "Otherwise" covers what the report has not described: the rest of L4-5 and the other levels.
    text: 'L4-5: Mild disc bulge. Otherwise unremarkable.',
    levels: mergeLevels(atLumbarLevels(allConditions(0)), { 'L4-L5': { disc_bulge: 1 } }),
    evidence: {
      'L4-L5': { disc_bulge: { keyword: 'bulge', global: false }, spinal_canal_stenosis: { keyword: 'unremarkable', global: true } },
      'L2-L3': { disc_herniation: { global: true } },
    },
  },
  {
    name: 'otherwise after heading list',
    text: 'L3-4 and L4-5: small disc bulges. Otherwise unremarkable.',
    levels: mergeLevels(atLumbarLevels(allConditions(0)), atLevels(['L3-L4', 'L4-L5'], { disc_bulge: 1 })),
    evidence: { 'L5-S1': { disc_bulge: { global: true } } },
  },
  {
    name: 'otherwise keeps other headings',
    text: 'L3-4: Mild canal stenosis.\nL4-5: Mild disc bulge. Otherwise unremarkable.\nL5-S1: Moderate left foraminal stenosis.',
    levels: mergeLevels(atLevels(['L1-L2', 'L2-L3'], allConditions(0)), {
      'L3-L4': { spinal_canal_stenosis: 1 },
      'L4-L5': { ...allConditions(0), disc_bulge: 1 },
      'L5-S1': { left_foraminal_stenosis: 2 },
    }),
  },
  {
    name: 'otherwise unremarkable without level',
    text: 'FINDINGS:\nL4-5: Mild disc bulge.\nIMPRESSION:\nMild disc bulge at L4-5. Otherwise unremarkable.',
    levels: mergeLevels(atLumbarLevels(allConditions(0)), { 'L4-L5': { disc_bulge: 1 } }),
    evidence: {
      'L4-L5': { disc_bulge: { section: 'findings', global: false }, spinal_canal_stenosis: { section: 'impression', global: true } },
      'L2-L3': { disc_herniation: { section: 'impression', global: true } },
    },
  },
  {
    name: 'bare normal is whole study',
    text: 'MRI LUMBAR SPINE\nIMPRESSION: Normal.',
    levels: atLumbarLevels(allConditions(0)),
    everyEvidence: { global: true, section: 'impression' },
  },
  {
    name: 'remaining levels are normal',
    text: 'L4-5: Mild disc bulge. The remaining levels are normal.',
    levels: mergeLevels(atLevels(['L1-L2', 'L2-L3', 'L3-L4', 'L5-S1'], allConditions(0)), { 'L4-L5': { disc_bulge: 1 } }),
    evidence: {
      'L4-L5': { disc_bulge: { global: false } },
      'L1-L2': { disc_bulge: { global: true } },
      'L5-S1': { spinal_canal_stenosis: { global: true } },
    },
  },
  {
    name: 'upper levels heading',
    text: 'Upper levels: normal.\nL4-5: Moderate canal stenosis.\nL5-S1: Mild disc bulge.',
    levels: mergeLevels(atLevels(['L1-L2', 'L2-L3', 'L3-L4'], allConditions(0)), {
      'L4-L5': { spinal_canal_stenosis: 2 },
      'L5-S1': { disc_bulge: 1 },
    }),
    evidence: { 'L1-L2': { disc_bulge: { keyword: 'normal', global: true } }, 'L4-L5': { spinal_canal_stenosis: { global: false } } },
  },
  {
    name: 'upper levels stop at first described',
    text: 'Upper lumbar levels: Unremarkable.\nL3-4: Mild disc bulge.\nL5-S1: Moderate canal stenosis.',
    levels: mergeLevels(atLevels(['L1-L2', 'L2-L3'], allConditions(0)), {
      'L3-L4': { disc_bulge: 1 },
      'L5-S1': { spinal_canal_stenosis: 2 },
    }),
  },
  {
    name: 'upper levels after the findings',
    text: 'L4-5: Moderate canal stenosis.\nThe upper levels show no stenosis.',
    levels: mergeLevels(atLevels(['L1-L2', 'L2-L3', 'L3-L4'], allStenosis(0)), { 'L4-L5': { spinal_canal_stenosis: 2 } }),
  },
  {
    name: 'lower levels heading',
    text: 'L2-3: Mild disc bulge.\nL3-4: Moderate canal stenosis.\nLower levels: normal.',
    levels: mergeLevels(atLevels(['L4-L5', 'L5-S1'], allConditions(0)), {
      'L2-L3': { disc_bulge: 1 },
      'L3-L4': { spinal_canal_stenosis: 2 },
    }),
    evidence: { 'L5-S1': { disc_bulge: { keyword: 'normal', global: true } }, 'L3-L4': { spinal_canal_stenosis: { global: false } } },
  },
  {
    name: 'levels below are unremarkable',
    text: 'L1-2: Mild disc bulge.\nThe levels below are unremarkable.',
    levels: mergeLevels(atLevels(['L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'], allConditions(0)), { 'L1-L2': { disc_bulge: 1 } }),
  },
  {
    name: 'levels above are normal',
    text: 'L4-5: Moderate canal stenosis.\nL5-S1: Mild disc bulge.\nThe levels above are normal.',
    levels: mergeLevels(atLevels(['L1-L2', 'L2-L3', 'L3-L4'], allConditions(0)), {
      'L4-L5': { spinal_canal_stenosis: 2 },
      'L5-S1': { disc_bulge: 1 },
    }),
  },
  {
    name: 'lower levels keep a level between',
    text: 'Lower lumbar levels: no stenosis.\nL1-2: Mild disc bulge.\nL3-4: Moderate canal stenosis.',
    levels: mergeLevels(atLevels(['L4-L5', 'L5-S1'], allStenosis(0)), {
      'L1-L2': { disc_bulge: 1 },
      'L3-L4': { spinal_canal_stenosis: 2 },
    }),
  },
  {
    name: 'lower levels without described level',
    text: 'Lower levels: normal.',
    levels: {},
    warnings: ['NO_LEVELS_FOUND'],
  },
  {
    name: 'upper levels without described level',
    text: 'Upper levels: normal.',
    levels: {},
    warnings: ['NO_LEVELS_FOUND'],
  },
  {
    name: 'remaining levels heading',
    text: 'L4-5: Moderate canal stenosis.\nRemaining levels: unremarkable.',
    levels: mergeLevels(atLevels(['L1-L2', 'L2-L3', 'L3-L4', 'L5-S1'], allConditions(0)), { 'L4-L5': { spinal_canal_stenosis: 2 } }),
    evidence: { 'L5-S1': { disc_bulge: { global: true } } },
  },
  {
    name: 'span heading of normal levels',
    text: 'L1-2 through L3-4: normal.\nL4-5: Moderate canal stenosis.',
    levels: mergeLevels(atLevels(['L1-L2', 'L2-L3', 'L3-L4'], allConditions(0)), { 'L4-L5': { spinal_canal_stenosis: 2 } }),
    evidence: { 'L2-L3': { disc_bulge: { global: false } } },
  },
  {
    name: 'remainder of the examination',
    text: 'L3-4: Small disc bulge.\nThe remainder of the examination is unremarkable.',
    levels: mergeLevels(atLevels(['L1-L2', 'L2-L3', 'L4-L5', 'L5-S1'], allConditions(0)), { 'L3-L4': { disc_bulge: 1 } }),
    evidence: { 'L2-L3': { disc_bulge: { global: true } } },
  },
  {
    name: 'no stenosis at other levels',
    text: 'L3-4: Mild disc bulge.\nL4-5: Moderate canal stenosis.\nNo stenosis at the other levels.',
    levels: mergeLevels(atLevels(['L1-L2', 'L2-L3', 'L5-S1'], allStenosis(0)), {
      'L3-L4': { disc_bulge: 1 },
      'L4-L5': { spinal_canal_stenosis: 2 },
    }),
    evidence: { 'L1-L2': { spinal_canal_stenosis: { global: true } } },
  },
  {
    name: 'no foraminal stenosis elsewhere',
    text: 'L5-S1: Severe left foraminal stenosis. No foraminal stenosis elsewhere.',
    levels: mergeLevels(atLevels(['L1-L2', 'L2-L3', 'L3-L4', 'L4-L5'], bothForamina(0)), { 'L5-S1': { left_foraminal_stenosis: 3 } }),
    evidence: { 'L4-L5': { right_foraminal_stenosis: { global: true } } },
  },
  {
    name: 'findings word before normal span',
    text: 'The findings at L2-3 through L4-5 are within normal limits.',
    levels: atLevels(['L2-L3', 'L3-L4', 'L4-L5'], allConditions(0)),
  },
  {
    name: 'each level after a span',
    text: 'Facet hypertrophy from L3-4 to L5-S1 with moderate foraminal narrowing at each level.',
    levels: atLevels(['L3-L4', 'L4-L5', 'L5-S1'], { ...bothFacets(1), ...bothForamina(2) }),
    evidence: { 'L4-L5': { left_foraminal_stenosis: { keyword: 'moderate', global: false } } },
  },
  {
    name: 'facet arthropathy at all levels',
    text: 'Mild facet arthropathy at all levels.',
    levels: atLumbarLevels(bothFacets(1)),
    everyEvidence: { global: true },
  },
  {
    name: 'no other abnormality after a level',
    text: 'IMPRESSION:\n1. Small disc protrusion at L5-S1.\n2. No other abnormality.',
    levels: mergeLevels(atLumbarLevels(allConditions(0)), { 'L5-S1': { disc_herniation: 1 } }),
    evidence: {
      'L5-S1': { disc_herniation: { keyword: 'protrusion', global: false }, disc_bulge: { keyword: 'no other abnormality', global: true } },
      'L2-L3': { spinal_canal_stenosis: { global: true } },
    },
  },
  {
    name: 'no other abnormality keeps described levels',
    text: 'L2-3: Mild disc bulge.\nL4-5: Moderate canal stenosis. No other significant abnormalities.',
    levels: mergeLevels(atLevels(['L1-L2', 'L3-L4', 'L5-S1'], allConditions(0)), {
      'L2-L3': { disc_bulge: 1 },
      'L4-L5': { ...allConditions(0), spinal_canal_stenosis: 2 },
    }),
  },
  {
    name: 'no other stenosis after a level',
    text: 'Severe canal stenosis at L3-4. No other significant stenosis.',
    levels: mergeLevels(atLumbarLevels(allStenosis(0)), { 'L3-L4': { spinal_canal_stenosis: 3 } }),
    evidence: { 'L1-L2': { spinal_canal_stenosis: { global: true } }, 'L3-L4': { left_foraminal_stenosis: { global: true } } },
  },
];

const studyType: LabelCase[] = [
  {
    name: 'thoracic study naming T12-L1',
    text: 'MRI THORACIC SPINE\nFINDINGS:\nT10-11: Small disc protrusion.\nT12-L1: Mild disc bulge.',
    levels: {},
    warnings: ['NOT_LUMBAR'],
  },
  {
    name: 'thoracic levels and T12-L1',
    text: 'T11-T12: Small central disc protrusion.\nT12-L1: Mild disc bulge.',
    levels: {},
    warnings: ['NOT_LUMBAR'],
  },
  {
    name: 'whitespace only text',
    text: '  \n\t \r\n ',
    levels: {},
    warnings: ['EMPTY_TEXT'],
    // As for empty text, the rules do not say whether this also counts as a report without levels.
    allowedWarnings: ['NO_LEVELS_FOUND'],
  },
  {
    name: 'two-digit number names a disc',
    text: 'Small central disc protrusion at L12.',
    levels: { 'L1-L2': { disc_herniation: 1 } },
  },
  {
    name: 'T1/T2 are sequences',
    text: 'T1/T2 hyperintense lesion in the L2 vertebral body, likely a hemangioma.\nL4-5: Mild disc bulge.',
    levels: { 'L4-L5': { disc_bulge: 1 } },
  },
];

// Realistic variety: notation, case, list markers, line endings and wording seen in clinical reports.
const variety: LabelCase[] = [
  {
    name: 'en dash short form',
    text: 'L4–5: Moderate canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'em dash span',
    text: 'L3—S1: Mild bilateral facet arthropathy.',
    levels: atLevels(['L3-L4', 'L4-L5', 'L5-S1'], bothFacets(1)),
  },
  {
    name: 'spaced en dash long form',
    text: 'L4 – L5: Small central disc protrusion.',
    levels: { 'L4-L5': { disc_herniation: 1 } },
  },
  {
    name: 'en dash to S1',
    text: 'Moderate right foraminal stenosis at L5–S1.',
    levels: { 'L5-S1': { right_foraminal_stenosis: 2 } },
  },
  {
    name: 'en dash span with through',
    text: 'Mild disc bulges from L2–3 through L4–5.',
    levels: atLevels(['L2-L3', 'L3-L4', 'L4-L5'], { disc_bulge: 1 }),
  },
  {
    name: 'upper-case report',
    text:
      'FINDINGS:\nL4-5: DISC BULGE WITH SEVERE CENTRAL CANAL STENOSIS. MILD BILATERAL FORAMINAL NARROWING.\n' +
      'IMPRESSION:\nSEVERE CENTRAL CANAL STENOSIS AT L4-5.',
    levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 3, ...bothForamina(1) } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'severe', section: 'findings' } } },
  },
  {
    name: 'upper-case negation',
    text: 'L3-L4: NO CANAL OR FORAMINAL STENOSIS.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 0, ...bothForamina(0) } },
  },
  {
    name: 'upper-case HNP',
    text: 'L5-S1: LEFT PARACENTRAL HNP.',
    levels: { 'L5-S1': { disc_herniation: 1 } },
  },
  {
    name: 'upper-case normal level',
    text: 'L1-L2: UNREMARKABLE.\nL2-L3: MILD DISC BULGE.',
    levels: { 'L1-L2': allConditions(0), 'L2-L3': { disc_bulge: 1 } },
  },
  {
    name: 'dash bullets in impression',
    text:
      'FINDINGS:\nL4-5: Moderate canal stenosis.\nL5-S1: Mild left foraminal stenosis.\n' +
      'IMPRESSION:\n- Moderate canal stenosis at L4-5.\n- Mild left foraminal stenosis at L5-S1.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 }, 'L5-S1': { left_foraminal_stenosis: 1 } },
    everyEvidence: { section: 'findings' },
  },
  {
    name: 'bullet character headings',
    text: '• L4-5: Moderate canal stenosis.\n• L5-S1: Small central disc protrusion.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 }, 'L5-S1': { disc_herniation: 1 } },
  },
  {
    name: 'asterisk bullet headings',
    text: '* L3-4: Mild disc bulge.\n* L4-5: Mild facet arthropathy.',
    levels: { 'L3-L4': { disc_bulge: 1 }, 'L4-L5': bothFacets(1) },
  },
  {
    name: 'numbered level headings',
    text: 'FINDINGS:\n1. L3-4: Mild disc bulge.\n2. L4-5: Severe canal stenosis.',
    levels: { 'L3-L4': { disc_bulge: 1 }, 'L4-L5': { spinal_canal_stenosis: 3 } },
  },
  {
    name: 'numbered impression items',
    text: 'IMPRESSION:\n1. Severe canal stenosis at L4-5.\n2. Mild disc bulge at L3-4.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 3 }, 'L3-L4': { disc_bulge: 1 } },
    everyEvidence: { section: 'impression' },
  },
  {
    name: 'parenthesis numbered items',
    text: 'IMPRESSION:\n1) Moderate left subarticular stenosis at L4-5.\n2) Small disc extrusion at L5-S1.',
    levels: { 'L4-L5': { left_subarticular_stenosis: 2 }, 'L5-S1': { disc_herniation: 1 } },
  },
  {
    name: 'Windows line endings',
    text:
      'FINDINGS:\r\nL3-4: Mild disc bulge.\r\nL4-5: Moderate canal stenosis. Mild bilateral foraminal stenosis.\r\n' +
      'IMPRESSION:\r\nModerate canal stenosis at L4-5.\r\n',
    levels: { 'L3-L4': { disc_bulge: 1 }, 'L4-L5': { spinal_canal_stenosis: 2, ...bothForamina(1) } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'moderate', section: 'findings' } } },
  },
  {
    name: 'CRLF headers without colon',
    text: 'FINDINGS\r\nL4-5: Mild disc bulge.\r\nIMPRESSION\r\nSevere canal stenosis at L5-S1.\r\n',
    levels: { 'L4-L5': { disc_bulge: 1 }, 'L5-S1': { spinal_canal_stenosis: 3 } },
    evidence: {
      'L4-L5': { disc_bulge: { section: 'findings' } },
      'L5-S1': { spinal_canal_stenosis: { section: 'impression' } },
    },
  },
  {
    name: 'CRLF heading carries over',
    text: 'L4-5: Disc bulge.\r\nModerate canal stenosis.\r\nL5-S1: Normal.',
    levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 2 }, 'L5-S1': allConditions(0) },
  },
  {
    name: 'tab after heading colon',
    text: 'L4-5:\tModerate canal stenosis.\nL5-S1:\tMild disc bulge.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 }, 'L5-S1': { disc_bulge: 1 } },
  },
  {
    name: 'tab in place of colon',
    text: 'L4-5\tModerate canal stenosis\nL5-S1\tMild disc bulge',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 }, 'L5-S1': { disc_bulge: 1 } },
  },
  {
    name: 'indented lines under heading',
    text: 'L4-5:\n\tDisc bulge.\n\tMild bilateral foraminal stenosis.\nL5-S1:\n\tNo disc herniation.',
    levels: { 'L4-L5': { disc_bulge: 1, ...bothForamina(1) }, 'L5-S1': { disc_herniation: 0 } },
  },
  {
    name: 'pair heading',
    text: 'L4-5 and L5-S1: Mild disc bulges.',
    levels: atLevels(['L4-L5', 'L5-S1'], { disc_bulge: 1 }),
  },
  {
    name: 'pair after finding',
    text: 'Moderate bilateral foraminal stenosis at L4-5 and L5-S1.',
    levels: atLevels(['L4-L5', 'L5-S1'], bothForamina(2)),
  },
  {
    name: 'bilateral facets across span',
    text: 'Bilateral facet arthropathy from L3-L4 through L5-S1.',
    levels: atLevels(['L3-L4', 'L4-L5', 'L5-S1'], bothFacets(1)),
  },
  {
    name: 'span after finding without at',
    text: 'Mild bilateral facet arthropathy L3-S1.',
    levels: atLevels(['L3-L4', 'L4-L5', 'L5-S1'], bothFacets(1)),
  },
  {
    name: 'moderate to severe bilateral foraminal',
    text: 'L5-S1: Moderate to severe bilateral foraminal stenosis.',
    levels: { 'L5-S1': bothForamina(3) },
    evidence: { 'L5-S1': { left_foraminal_stenosis: { range: [2, 3] }, right_foraminal_stenosis: { range: [2, 3] } } },
  },
  {
    name: 'cauda equina crowding',
    text: 'L3-4: Severe central canal stenosis with crowding of the cauda equina.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 3 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { keyword: 'severe' } } },
  },
  {
    name: 'no significant change from prior',
    text: 'L4-5: Moderate canal stenosis, no significant change from prior.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'unchanged impression line',
    text: 'FINDINGS:\nL4-5: Mild disc bulge.\nIMPRESSION:\nNo significant change from the prior examination.',
    levels: { 'L4-L5': { disc_bulge: 1 } },
  },
  {
    name: 'stable stenosis',
    text: 'Stable mild canal stenosis at L3-4.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 } },
  },
  {
    name: 'desiccation only level',
    text: 'L3-4: Disc desiccation.\nL4-5: Mild disc bulge.',
    levels: { 'L4-L5': { disc_bulge: 1 } },
  },
  {
    name: 'desiccation beside bulge',
    text: 'L5-S1: Disc desiccation with a mild broad-based disc bulge.',
    levels: { 'L5-S1': { disc_bulge: 1 } },
  },
  {
    name: 'post-operative changes only',
    text: 'Post-operative changes at L4-5.\nL5-S1: Small disc protrusion.',
    levels: { 'L5-S1': { disc_herniation: 1 } },
  },
  {
    name: 'post-operative with stenosis',
    text: 'L4-5: Post-operative changes of laminectomy with mild canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
  },
  {
    name: 'no recurrent herniation',
    text: 'L4-5: Post-operative changes from a left hemilaminectomy. No recurrent disc herniation.',
    levels: { 'L4-L5': { disc_herniation: 0 } },
  },
  {
    name: 'status post level surgery',
    text: 'Status post L4-5 laminectomy.\nL5-S1: Mild disc bulge.',
    levels: { 'L5-S1': { disc_bulge: 1 } },
  },
  {
    name: 'Modic changes give nothing',
    text: 'L5-S1: Type 2 Modic endplate changes. Small central disc protrusion.',
    levels: { 'L5-S1': { disc_herniation: 1 } },
  },
  {
    name: 'conus level gives nothing',
    text: 'The conus terminates at the L1-2 level.\nL4-5: Mild disc bulge.',
    levels: { 'L4-L5': { disc_bulge: 1 } },
  },
  {
    name: 'far lateral protrusion',
    text: 'L3-4: Far lateral disc protrusion contacting the exiting left L3 nerve root.',
    levels: { 'L3-L4': { disc_herniation: 1 } },
  },
  {
    name: 'narrowing of lateral recess',
    text: 'L4-5: Mild narrowing of the right lateral recess.',
    levels: { 'L4-L5': { right_subarticular_stenosis: 1 } },
  },
  {
    name: 'foramina mildly narrowed bilaterally',
    text: 'L5-S1: The neural foramina are mildly narrowed bilaterally.',
    levels: { 'L5-S1': bothForamina(1) },
  },
  {
    name: 'bilateral subarticular from bulge',
    text: 'L4-5: Broad-based disc bulge narrowing both lateral recesses, moderate bilateral subarticular stenosis.',
    levels: { 'L4-L5': { disc_bulge: 1, ...bothSubarticular(2) } },
  },
  {
    name: 'complex causing foraminal stenosis',
    text: 'Disc osteophyte complex at L5-S1 causing moderate right foraminal stenosis.',
    levels: { 'L5-S1': { disc_osteophyte_complex: 1, right_foraminal_stenosis: 2 } },
  },
  {
    name: 'templated structure lines',
    text: 'L4-5:\nCanal: moderate.\nLeft foramen: mild.\nRight foramen: patent.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2, left_foraminal_stenosis: 1, right_foraminal_stenosis: 0 } },
  },
  {
    name: 'templated finding then normal',
    text: 'L4-5: Canal stenosis: normal.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 0 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'normal' } } },
  },
  {
    name: 'templated foramina then patent',
    text: 'L4-5: Foraminal stenosis: patent.',
    levels: { 'L4-L5': bothForamina(0) },
  },
  {
    name: 'templated finding then absent',
    text: 'L4-5: Canal stenosis: absent.\nL5-S1: Disc herniation: absent.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 0 }, 'L5-S1': { disc_herniation: 0 } },
  },
  {
    name: 'templated finding then present',
    text: 'L4-5: Facet arthropathy: present.',
    levels: { 'L4-L5': bothFacets(1) },
  },
  {
    name: 'templated finding then noted',
    text: 'L4-5: Ligamentum flavum thickening: noted.',
    levels: { 'L4-L5': { ligamentum_flavum_thickening: 1 } },
  },
  {
    name: 'templated sided structure none',
    text: 'L4-5: Right foramen: none.',
    levels: { 'L4-L5': { right_foraminal_stenosis: 0 } },
    evidence: { 'L4-L5': { right_foraminal_stenosis: { keyword: 'none' } } },
  },
  {
    name: 'templated structures none',
    text: 'L4-5:\nCanal: none.\nForamina: none.\nLateral recesses: mild.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 0, ...bothForamina(0), ...bothSubarticular(1) } },
  },
];

testCases([
  ...severalLevelsInOneSentence,
  ...currentLevel,
  ...flattenedHeadings,
  ...flattenedSections,
  ...bareStenosis,
  ...hedgesAndNegations,
  ...severityScope,
  ...withinSection,
  ...wholeStudy,
  ...studyType,
  ...variety,
]);

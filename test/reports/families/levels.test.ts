import { allConditions, allStenosis, atLevels, bothFacets, bothForamina, testCases, type LabelCase } from './expect.js';

// Level notations, spans of levels, the sixth lumbar vertebra and which level a statement belongs to.
const cases: LabelCase[] = [
  {
    name: 'hyphen short form',
    text: 'At L4-5 there is moderate central canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'moderate', section: 'findings' } } },
  },
  {
    name: 'hyphen long form',
    text: 'L4-L5: Moderate central canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'stenosis' } } },
  },
  {
    name: 'slash short form',
    text: 'L4/5: Small central disc protrusion.',
    levels: { 'L4-L5': { disc_herniation: 1 } },
    evidence: { 'L4-L5': { disc_herniation: { keyword: 'protrusion' } } },
  },
  {
    name: 'slash long form',
    text: 'L4/L5: Mild disc bulge.',
    levels: { 'L4-L5': { disc_bulge: 1 } },
    evidence: { 'L4-L5': { disc_bulge: { keyword: 'bulge' } } },
  },
  {
    name: 'short form without separator',
    text: 'L45: Moderate canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'long form without separator',
    text: 'L4L5: Severe canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 3 } },
  },
  {
    name: 'space between vertebrae',
    text: 'L4 5: Mild bilateral foraminal stenosis.',
    levels: { 'L4-L5': bothForamina(1) },
    evidence: { 'L4-L5': { left_foraminal_stenosis: { keyword: 'foraminal' }, right_foraminal_stenosis: { keyword: 'foraminal' } } },
  },
  {
    name: 'spaced hyphen',
    text: 'L4 - L5: Severe canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 3 } },
  },
  {
    name: 'hyphenated vertebrae joined by to',
    text: 'There is a small disc extrusion at L-4 to L-5.',
    levels: { 'L4-L5': { disc_herniation: 1 } },
    evidence: { 'L4-L5': { disc_herniation: { keyword: 'extrusion' } } },
  },
  {
    name: 'at L4 to L5',
    text: 'There is a mild disc bulge at L4 to L5.',
    levels: { 'L4-L5': { disc_bulge: 1 } },
  },
  {
    name: 'level word after notation',
    text: 'Mild canal stenosis is seen at the L4-5 level.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
  },
  {
    name: 'L5-S1 long form',
    text: 'L5-S1: Small right paracentral disc protrusion.',
    levels: { 'L5-S1': { disc_herniation: 1 } },
  },
  {
    name: 'L5S1 without separator',
    text: 'L5S1: Broad-based disc bulge.',
    levels: { 'L5-S1': { disc_bulge: 1 } },
  },
  {
    name: 'L5-S 1 with space',
    text: 'L5-S 1: Moderate left foraminal stenosis.',
    levels: { 'L5-S1': { left_foraminal_stenosis: 2 } },
  },
  {
    name: 'S1 misspelled as SI',
    text: 'L5-SI: Mild facet arthropathy.',
    levels: { 'L5-S1': bothFacets(1) },
  },
  {
    name: 'S1 misspelled as Sl',
    text: 'L5-Sl: Small central disc extrusion.',
    levels: { 'L5-S1': { disc_herniation: 1 } },
  },
  {
    name: 'T12-L1 level',
    text: 'T12-L1: Mild disc bulge.',
    levels: { 'T12-L1': { disc_bulge: 1 } },
  },
  {
    name: 'T12-L1 described as normal',
    text: 'T12-L1: Normal.\nL1-L2: Small disc protrusion.',
    levels: { 'T12-L1': allConditions(0), 'L1-L2': { disc_herniation: 1 } },
  },
  {
    name: 'span heading L3-S1',
    text: 'L3-S1: Mild bilateral facet arthropathy.',
    levels: atLevels(['L3-L4', 'L4-L5', 'L5-S1'], bothFacets(1)),
  },
  {
    name: 'span with through',
    text: 'Mild disc bulges from L2-L3 through L4-L5 without canal stenosis.',
    levels: atLevels(['L2-L3', 'L3-L4', 'L4-L5'], { disc_bulge: 1, spinal_canal_stenosis: 0 }),
  },
  {
    name: 'span from L2 to L5',
    text: 'Facet arthropathy from L2 to L5.',
    levels: atLevels(['L2-L3', 'L3-L4', 'L4-L5'], bothFacets(1)),
  },
  {
    name: 'span between two levels',
    text: 'Small disc bulges from L1-L2 to L3-L4.',
    levels: atLevels(['L1-L2', 'L2-L3', 'L3-L4'], { disc_bulge: 1 }),
  },
  {
    name: 'two levels in one sentence',
    text: 'Mild facet arthropathy at L4-5 and L5-S1.',
    levels: atLevels(['L4-L5', 'L5-S1'], bothFacets(1)),
  },
  {
    name: 'sixth lumbar vertebra levels',
    text: 'There are six lumbar-type vertebral bodies.\nL5-L6: Mild disc bulge.\nL6-S1: Moderate right foraminal stenosis.',
    levels: { 'L5-L6': { disc_bulge: 1 }, 'L6-S1': { right_foraminal_stenosis: 2 } },
    warnings: ['SIXTH_LUMBAR_VERTEBRA', 'TRANSITIONAL_ANATOMY'],
  },
  {
    name: 'lumbosacral junction means L5-S1',
    text: 'Small central disc protrusion at the lumbosacral junction.',
    levels: { 'L5-S1': { disc_herniation: 1 } },
  },
  {
    name: 'lumbosacral disc means L5-S1',
    text: 'The lumbosacral disc is desiccated, with a small central protrusion.',
    levels: { 'L5-S1': { disc_herniation: 1 } },
  },
  {
    name: 'lumbosacral junction with L6',
    text: 'L5-L6: Normal.\nThe lumbosacral junction shows a broad-based disc bulge.',
    levels: { 'L5-L6': allConditions(0), 'L6-S1': { disc_bulge: 1 } },
    warnings: ['SIXTH_LUMBAR_VERTEBRA'],
  },
  {
    name: 'vertebral body is not a level',
    text: 'Hemangioma in the L3 vertebral body.\nL4-5: Mild disc bulge.',
    levels: { 'L4-L5': { disc_bulge: 1 } },
  },
  {
    name: 'nerve root is not a level',
    text: 'L5-S1: Small right paracentral disc protrusion contacting the descending right S1 nerve root.',
    levels: { 'L5-S1': { disc_herniation: 1 } },
  },
  {
    name: 'thoracic level in lumbar report',
    text: 'Incidental small disc protrusion at T10-11.\nL4-5: Mild disc bulge.',
    levels: { 'L4-L5': { disc_bulge: 1 } },
  },
  {
    name: 'heading stays current',
    text:
      'L3-L4: There is a broad-based disc bulge. Mild canal stenosis. The neural foramina are patent.\n' +
      'L4-L5: Moderate canal stenosis.',
    levels: {
      'L3-L4': { disc_bulge: 1, spinal_canal_stenosis: 1, ...bothForamina(0) },
      'L4-L5': { spinal_canal_stenosis: 2 },
    },
  },
  {
    name: 'named level beats heading',
    text: 'L4-5: Moderate canal stenosis. Mild left foraminal stenosis at L5-S1 is also noted.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 }, 'L5-S1': { left_foraminal_stenosis: 1 } },
  },
  {
    name: 'listhesis wording keeps heading',
    text: 'L4-5: Grade 1 anterolisthesis of L4 on L5. Moderate canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'worst level of a span',
    text: 'Mild canal stenosis from L2-3 to L4-5, most pronounced at L3-4 where it is moderate.',
    levels: { 'L2-L3': { spinal_canal_stenosis: 1 }, 'L3-L4': { spinal_canal_stenosis: 2 }, 'L4-L5': { spinal_canal_stenosis: 1 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { keyword: 'moderate' } } },
  },
  {
    name: 'worst level with one side',
    text: 'Mild bilateral foraminal narrowing L3-S1, particularly at L5-S1 where it is severe on the right.',
    levels: {
      ...atLevels(['L3-L4', 'L4-L5'], bothForamina(1)),
      'L5-S1': { left_foraminal_stenosis: 1, right_foraminal_stenosis: 3 },
    },
  },
  {
    name: 'each level before a span',
    text: 'Mild facet arthropathy at each level from L3-4 to L5-S1.',
    levels: atLevels(['L3-L4', 'L4-L5', 'L5-S1'], bothFacets(1)),
    everyEvidence: { global: false },
  },
  {
    name: 'every level after a span',
    text: 'Mild disc bulges at L2-3 through L4-5 at every level.',
    levels: atLevels(['L2-L3', 'L3-L4', 'L4-L5'], { disc_bulge: 1 }),
    everyEvidence: { global: false },
  },
  {
    name: 'level line with only a grade',
    text: 'L3-4: moderate right foraminal stenosis.\nL4-5: severe.\nL5-S1: mild.',
    levels: {
      'L3-L4': { right_foraminal_stenosis: 2 },
      'L4-L5': { right_foraminal_stenosis: 3 },
      'L5-S1': { right_foraminal_stenosis: 1 },
    },
    evidence: { 'L5-S1': { right_foraminal_stenosis: { keyword: 'mild', unspecifiedGrade: false } } },
  },
  {
    name: 'grade line after a presence finding',
    text: 'L3-4: mild canal stenosis.\nL4-5: disc bulge.\nL5-S1: moderate.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 }, 'L4-L5': { disc_bulge: 1 } },
  },
  {
    name: 'grade line after a blank line',
    text: 'L3-4: mild canal stenosis.\n\nL4-5: moderate.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 } },
  },
  {
    name: 'absence before an exception',
    text: 'No foraminal stenosis apart from mild right foraminal narrowing at L5-S1.',
    levels: { ...atLevels(['L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'], bothForamina(0)), 'L5-S1': { left_foraminal_stenosis: 0, right_foraminal_stenosis: 1 } },
    evidence: {
      'L2-L3': { left_foraminal_stenosis: { global: true } },
      'L5-S1': { left_foraminal_stenosis: { global: true }, right_foraminal_stenosis: { keyword: 'mild', global: false } },
    },
  },
  {
    name: 'exception naming only a level',
    text: 'Mild disc bulges at all levels except L1-2.',
    levels: atLevels(['L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'], { disc_bulge: 1 }),
  },
  {
    name: 'absence except at a level',
    text: 'No disc herniation except at L4-5.',
    levels: atLevels(['L1-L2', 'L2-L3', 'L3-L4', 'L5-S1'], { disc_herniation: 0 }),
  },
  {
    name: 'surgery note keeps heading',
    text: 'L4-5: Status post L4-5 laminectomy. Mild left foraminal narrowing.',
    levels: { 'L4-L5': { left_foraminal_stenosis: 1 } },
  },
  {
    name: 'surgery note in heading sentence',
    text: 'L4-5: Prior L4-5 laminectomy. No residual canal stenosis. Moderate left foraminal narrowing persists.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 0, left_foraminal_stenosis: 2 } },
  },
  {
    name: 'finding-less level still ends carried level',
    text: 'There is a disc bulge at L4-5. The conus ends at the L1-2 level. Mild facet arthropathy.',
    levels: { 'L4-L5': { disc_bulge: 1 } },
  },
  {
    name: 'numbered item ends carried level',
    text: 'IMPRESSION:\n1. Severe canal stenosis at L4-5.\n2. Multilevel facet arthropathy.\n3. No disc herniation.',
    levels: { ...atLevels(['L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'], { disc_herniation: 0 }), 'L4-L5': { spinal_canal_stenosis: 3, disc_herniation: 0 } },
    evidence: { 'L4-L5': { disc_herniation: { global: true } } },
  },
  {
    name: 'numbered items flattened on one line',
    text: 'IMPRESSION: 1. Moderate canal stenosis at L4-5. 2. Facet arthropathy at multiple levels.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'numbered item ends its own heading',
    text: 'IMPRESSION:\n1. L4-5 moderate canal stenosis.\n2. L5-S1 severe right foraminal stenosis.\n3. Otherwise no significant stenosis.',
    levels: {
      ...atLevels(['L1-L2', 'L2-L3', 'L3-L4'], allStenosis(0)),
      'L4-L5': { ...allStenosis(0), spinal_canal_stenosis: 2 },
      'L5-S1': { ...allStenosis(0), right_foraminal_stenosis: 3 },
    },
  },
  {
    name: 'numbered lines under a heading',
    text: 'L4-5:\n1. Disc bulge.\n2. Mild canal stenosis.',
    levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 1 } },
  },
  {
    name: 'level inside two noun phrases',
    text: 'Mild left L4-5 foraminal narrowing and moderate right L5-S1 foraminal narrowing.',
    levels: { 'L4-L5': { left_foraminal_stenosis: 1 }, 'L5-S1': { right_foraminal_stenosis: 2 } },
  },
  {
    name: 'level between side and foramen',
    text: 'There is mild narrowing of the left L4-5 neural foramen and moderate narrowing of the right L5-S1 neural foramen.',
    levels: { 'L4-L5': { left_foraminal_stenosis: 1 }, 'L5-S1': { right_foraminal_stenosis: 2 } },
  },
  {
    name: 'transitional anatomy is flagged',
    text: 'Partial sacralization of L5. L4-5: Moderate canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    warnings: ['TRANSITIONAL_ANATOMY'],
  },
  {
    name: 'lumbarized S1 is flagged',
    text: 'Lumbarized S1. L5-S1: Mild disc bulge.',
    levels: { 'L5-S1': { disc_bulge: 1 } },
    warnings: ['TRANSITIONAL_ANATOMY'],
  },
  {
    name: 'negated transitional vertebra',
    text: 'No transitional vertebra. A lumbosacral transitional vertebra is not seen. L4-5: Disc bulge.',
    levels: { 'L4-L5': { disc_bulge: 1 } },
  },
  {
    name: 'numbered item opening with level',
    text: 'IMPRESSION:\n1. L4-5: Severe canal stenosis.\n2. Multilevel facet arthropathy.\n3. No disc herniation.',
    levels: { ...atLevels(['L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'], { disc_herniation: 0 }), 'L4-L5': { spinal_canal_stenosis: 3, disc_herniation: 0 } },
  },
  {
    name: 'parenthesised numbers and bullets',
    text: 'IMPRESSION:\n(1) L4-5: Severe canal stenosis.\n(2) Multilevel facet arthropathy.\nFINDINGS:\n- Moderate canal stenosis at L3-4.\n- Multilevel facet arthropathy.\nCOMMENT:\nA. Mild canal stenosis at L2-3.\nB. Multilevel facet arthropathy.',
    levels: { 'L2-L3': { spinal_canal_stenosis: 1 }, 'L3-L4': { spinal_canal_stenosis: 2 }, 'L4-L5': { spinal_canal_stenosis: 3 } },
  },
  {
    name: 'heading kept over later level',
    text: 'L5-S1: Comparison with the L4-5 level demonstrates less disc height loss. Mild bilateral foraminal narrowing.',
    levels: { 'L5-S1': { left_foraminal_stenosis: 1, right_foraminal_stenosis: 1 } },
  },
  {
    name: 'remaining discs are normal',
    text: 'L4/5 and L5/S1: Minor disc bulges. The remaining discs are normal.',
    levels: {
      ...atLevels(['L1-L2', 'L2-L3', 'L3-L4'], allConditions(0)),
      'L4-L5': { disc_bulge: 1 },
      'L5-S1': { disc_bulge: 1 },
    },
  },
  {
    name: 'transitional cell carcinoma is not anatomy',
    text: 'HISTORY: Transitional cell carcinoma of the bladder.\nFINDINGS:\nL4-5: Mild disc bulge.',
    levels: { 'L4-L5': { disc_bulge: 1 } },
  },
  {
    name: 'hemisacralization is flagged',
    text: 'Hemisacralization of L5. L4-5: Mild disc bulge.',
    levels: { 'L4-L5': { disc_bulge: 1 } },
    warnings: ['TRANSITIONAL_ANATOMY'],
  },
  {
    name: 'table row cells',
    text: 'L4-5 | canal stenosis: moderate | foraminal stenosis: mild',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2, left_foraminal_stenosis: 1, right_foraminal_stenosis: 1 } },
  },
  {
    name: 'surgery at a level makes it current',
    text: 'Post-operative changes at L5/S1 on the left. No recurrent disc herniation. The left exit foramen is mildly narrowed.',
    levels: { 'L5-S1': { disc_herniation: 0, left_foraminal_stenosis: 1 } },
  },
  {
    name: 'surgery line before level headings',
    text: 'FINDINGS:\nStatus post L4-5 fusion.\nL3-4: Mild disc bulge.\nL4-5: No canal stenosis.',
    levels: { 'L3-L4': { disc_bulge: 1 }, 'L4-L5': { spinal_canal_stenosis: 0 } },
  },
  {
    name: 'level and above',
    text: 'L4-5: Mild disc bulge.\nL3-4 and above unremarkable.',
    levels: { ...atLevels(['L1-L2', 'L2-L3', 'L3-L4'], allConditions(0)), 'L4-L5': { disc_bulge: 1 } },
  },
  {
    name: 'level and below',
    text: 'L1-2: Normal.\nL2-3 and below: mild disc bulges.',
    levels: { 'L1-L2': allConditions(0), ...atLevels(['L2-L3', 'L3-L4', 'L4-L5', 'L5-S1'], { disc_bulge: 1 }) },
  },
  {
    name: 'top level and above',
    text: 'L1-2 and above: normal.',
    levels: { 'L1-L2': allConditions(0) },
  },
];

testCases(cases);

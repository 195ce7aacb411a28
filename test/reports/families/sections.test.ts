import { bothFacets, bothForamina, testCases, type LabelCase } from './expect.js';

// Report sections, the precedence of findings over impression over comment, and sections that give no labels.
const cases: LabelCase[] = [
  {
    name: 'findings win over impression',
    text: 'FINDINGS:\nL4-5: Moderate canal stenosis.\n\nIMPRESSION:\nSevere canal stenosis at L4-5.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'moderate', section: 'findings' } } },
    warnings: ['SECTION_DISAGREEMENT'],
  },
  {
    name: 'findings absent beats impression present',
    text: 'FINDINGS:\nL5-S1: Mild disc bulge. No disc herniation.\n\nIMPRESSION:\n1. Small disc protrusion at L5-S1.',
    levels: { 'L5-S1': { disc_bulge: 1, disc_herniation: 0 } },
    evidence: { 'L5-S1': { disc_herniation: { section: 'findings' } } },
    warnings: ['SECTION_DISAGREEMENT'],
  },
  {
    name: 'findings lower than impression',
    text: 'FINDINGS:\nL3-L4: Mild right foraminal stenosis.\nIMPRESSION:\nModerate right foraminal stenosis at L3-L4.',
    levels: { 'L3-L4': { right_foraminal_stenosis: 1 } },
    evidence: { 'L3-L4': { right_foraminal_stenosis: { keyword: 'mild', section: 'findings' } } },
    warnings: ['SECTION_DISAGREEMENT'],
  },
  {
    name: 'sections agree without warning',
    text: 'FINDINGS:\nL4-L5: Severe canal stenosis.\nIMPRESSION:\nSevere canal stenosis at L4-L5.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 3 } },
  },
  {
    name: 'impression fills unstated side',
    text: 'FINDINGS:\nL5-S1: Mild left foraminal stenosis.\nIMPRESSION:\nMild bilateral foraminal stenosis at L5-S1.',
    levels: { 'L5-S1': bothForamina(1) },
    evidence: {
      'L5-S1': { left_foraminal_stenosis: { section: 'findings' }, right_foraminal_stenosis: { section: 'impression' } },
    },
  },
  {
    name: 'impression only level',
    text: 'FINDINGS:\nL4-5: Mild disc bulge.\nIMPRESSION:\nMild disc bulge at L4-5. Mild left foraminal stenosis at L5-S1.',
    levels: { 'L4-L5': { disc_bulge: 1 }, 'L5-S1': { left_foraminal_stenosis: 1 } },
    evidence: { 'L5-S1': { left_foraminal_stenosis: { keyword: 'mild', section: 'impression' } } },
  },
  {
    name: 'impression wins over comment',
    text: 'IMPRESSION:\nModerate canal stenosis at L3-4.\n\nCOMMENT:\nSevere canal stenosis at L3-4, correlate clinically.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 2 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { keyword: 'moderate', section: 'impression' } } },
    // The rules name the warning only for findings against impression.
    allowedWarnings: ['SECTION_DISAGREEMENT'],
  },
  {
    name: 'findings win over comment',
    text: 'FINDINGS:\nL2-L3: No disc herniation.\nCOMMENTS:\nSmall disc protrusion at L2-L3.',
    levels: { 'L2-L3': { disc_herniation: 0 } },
    evidence: { 'L2-L3': { disc_herniation: { section: 'findings' } } },
    allowedWarnings: ['SECTION_DISAGREEMENT'],
  },
  {
    name: 'comment adds a condition',
    text: 'FINDINGS:\nL4-5: Mild disc bulge.\nCOMMENTS:\nThere is also mild facet arthropathy at L4-5.',
    levels: { 'L4-L5': { disc_bulge: 1, ...bothFacets(1) } },
    evidence: { 'L4-L5': { disc_bulge: { section: 'findings' }, left_facet_arthropathy: { section: 'comment' } } },
  },
  {
    name: 'note header is a comment',
    text: 'FINDINGS:\nL5-S1: Small central disc protrusion.\nNOTE: Prominent epidural fat at L5-S1.',
    levels: { 'L5-S1': { disc_herniation: 1, epidural_lipomatosis: 1 } },
    evidence: { 'L5-S1': { epidural_lipomatosis: { keyword: 'epidural fat', section: 'comment' } } },
  },
  {
    name: 'conclusion header is impression',
    text: 'FINDINGS:\nL4-L5: Moderate canal stenosis.\nCONCLUSION:\nSevere canal stenosis at L4-L5.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { section: 'findings' } } },
    warnings: ['SECTION_DISAGREEMENT'],
  },
  {
    name: 'summary header is impression',
    text: 'SUMMARY:\nSmall disc extrusion at L5-S1.',
    levels: { 'L5-S1': { disc_herniation: 1 } },
    evidence: { 'L5-S1': { disc_herniation: { section: 'impression' } } },
  },
  {
    name: 'opinion header without colon',
    text: 'FINDINGS\nL3-4: Mild disc bulge.\nOPINION\nModerate right subarticular stenosis at L4-5.',
    levels: { 'L3-L4': { disc_bulge: 1 }, 'L4-L5': { right_subarticular_stenosis: 2 } },
    evidence: {
      'L3-L4': { disc_bulge: { section: 'findings' } },
      'L4-L5': { right_subarticular_stenosis: { section: 'impression' } },
    },
  },
  {
    name: 'text before headers is findings',
    text: 'L4-5: Moderate canal stenosis.\nIMPRESSION: Severe canal stenosis at L4-5.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { section: 'findings' } } },
    warnings: ['SECTION_DISAGREEMENT'],
  },
  {
    name: 'history gives no labels',
    text: 'HISTORY: Low back pain. Rule out stenosis at L4-5.\nFINDINGS:\nL5-S1: Small disc protrusion.',
    levels: { 'L5-S1': { disc_herniation: 1 } },
  },
  {
    name: 'indication technique comparison ignored',
    text:
      'INDICATION: Left sciatica, evaluate for L5-S1 disc herniation.\n' +
      'TECHNIQUE: Sagittal and axial T1 and T2 images from L3 to S1.\n' +
      'COMPARISON: None.\n' +
      'FINDINGS:\n' +
      'L5-S1: Mild disc bulge. No disc herniation.',
    levels: { 'L5-S1': { disc_bulge: 1, disc_herniation: 0 } },
  },
  {
    name: 'clinical information gives no labels',
    text: 'CLINICAL INFORMATION: Severe canal stenosis at L3-4 on outside CT.\nFINDINGS:\nL3-4: Moderate canal stenosis.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 2 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { keyword: 'moderate', section: 'findings' } } },
  },
  {
    name: 'higher grade within findings',
    text: 'FINDINGS:\nL4-5: Mild canal stenosis on sagittal images.\nOn axial images there is moderate canal stenosis at L4-5.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'moderate' } } },
  },
  {
    name: 'present beats uncertain within findings',
    text: 'L5-S1: Small central disc protrusion. A superimposed annular fissure may represent a small extrusion.',
    levels: { 'L5-S1': { disc_herniation: 1 } },
    evidence: { 'L5-S1': { disc_herniation: { keyword: 'protrusion' } } },
  },
];

testCases(cases);

import { bothFacets, testCases, type LabelCase } from './expect.js';

// Hedged statements: "uncertain" for presence conditions, the grade plus `uncertain: true` for graded ones.
const cases: LabelCase[] = [
  {
    name: 'may represent a herniation',
    text: 'L5-S1: Focal posterior signal that may represent a small disc extrusion.',
    levels: { 'L5-S1': { disc_herniation: 'uncertain' } },
    evidence: { 'L5-S1': { disc_herniation: { keyword: 'extrusion' } } },
  },
  {
    name: 'appears hedges a grade',
    text: 'L3-4: There appears to be mild canal stenosis.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { keyword: 'mild', uncertain: true } } },
  },
  {
    name: 'probable foraminal protrusion',
    text: 'L4-5: Probable small right foraminal disc protrusion.',
    levels: { 'L4-L5': { disc_herniation: 'uncertain' } },
  },
  {
    name: 'probable hedges a grade',
    text: 'L4-5: Probable moderate right foraminal stenosis.',
    levels: { 'L4-L5': { right_foraminal_stenosis: 2 } },
    evidence: { 'L4-L5': { right_foraminal_stenosis: { keyword: 'moderate', uncertain: true } } },
  },
  {
    name: 'presumed epidural lipomatosis',
    text: 'Presumed epidural lipomatosis at L5-S1.',
    levels: { 'L5-S1': { epidural_lipomatosis: 'uncertain' } },
  },
  {
    name: 'unlikely herniation',
    text: 'L2-3: Disc herniation is unlikely.',
    levels: { 'L2-L3': { disc_herniation: 'uncertain' } },
  },
  {
    name: 'unlikely severe stenosis',
    text: 'L4-5: Severe canal stenosis is unlikely.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 3 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { uncertain: true } } },
  },
  {
    name: 'possible facet arthropathy',
    text: 'L5-S1: Possible facet arthropathy.',
    levels: { 'L5-S1': bothFacets('uncertain') },
  },
  {
    name: 'suspected ligamentum flavum thickening',
    text: 'Suspected ligamentum flavum thickening at L4-5.',
    levels: { 'L4-L5': { ligamentum_flavum_thickening: 'uncertain' } },
  },
  {
    name: 'questionable subarticular stenosis',
    text: 'L5-S1: Questionable mild left subarticular stenosis.',
    levels: { 'L5-S1': { left_subarticular_stenosis: 1 } },
    evidence: { 'L5-S1': { left_subarticular_stenosis: { uncertain: true } } },
  },
  {
    name: 'cannot be excluded',
    text: 'A small disc protrusion at L5-S1 cannot be excluded.',
    levels: { 'L5-S1': { disc_herniation: 'uncertain' } },
  },
  {
    name: 'suggestive of extrusion',
    text: 'L3-L4: Findings suggestive of a disc extrusion.',
    levels: { 'L3-L4': { disc_herniation: 'uncertain' } },
  },
  {
    name: 'equivocal disc bulge',
    text: 'L1-2: Equivocal disc bulge.',
    levels: { 'L1-L2': { disc_bulge: 'uncertain' } },
  },
  {
    name: 'may be present',
    text: 'L5-S1: Mild left foraminal narrowing may be present.',
    levels: { 'L5-S1': { left_foraminal_stenosis: 1 } },
    evidence: { 'L5-S1': { left_foraminal_stenosis: { uncertain: true } } },
  },
  {
    name: 'hedge stays in its sentence',
    text: 'L4-5: Possible small disc protrusion. Moderate canal stenosis.',
    levels: { 'L4-L5': { disc_herniation: 'uncertain', spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { uncertain: false } } },
  },
  {
    name: 'versus hedges both findings',
    text: 'L4-5: Disc bulge versus small protrusion.',
    levels: { 'L4-L5': { disc_bulge: 'uncertain', disc_herniation: 'uncertain' } },
  },
  {
    name: 'vs. hedges both findings',
    text: 'L5-S1: Small protrusion vs. annular bulge.',
    levels: { 'L5-S1': { disc_bulge: 'uncertain', disc_herniation: 'uncertain' } },
  },
  {
    name: 'certain grade beats hedged higher',
    text: 'L4-5: Mild canal stenosis, cannot exclude moderate.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'mild', uncertain: false } } },
  },
  {
    name: 'hedged higher grade alone stays',
    text: 'L4-5: Possible moderate canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { uncertain: true } } },
  },
  {
    name: 'versus between two herniations',
    text: 'L4-5: Protrusion versus extrusion.',
    levels: { 'L4-L5': { disc_herniation: 1 } },
  },
  {
    name: 'hedged grade after comma',
    text: 'L4-5: Central canal stenosis, possibly severe.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 3 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { uncertain: true } } },
  },
  {
    name: 'hedged grade in relative clause',
    text: 'L4-5: Canal stenosis which is probably moderate.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'moderate', uncertain: true, unspecifiedGrade: false } } },
  },
  {
    name: 'hedged grade after semicolon',
    text: 'L4-5: Mild disc bulge with canal stenosis; probably moderate.',
    levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'moderate', uncertain: true, unspecifiedGrade: false } } },
  },
  {
    name: 'grade after semicolon',
    text: 'L4-5: Canal stenosis; moderate.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'moderate', uncertain: false, unspecifiedGrade: false } } },
  },
  {
    name: 'semicolon before own finding',
    text: 'L4-5: Canal stenosis; moderate left foraminal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 1, left_foraminal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { unspecifiedGrade: true } } },
  },
  {
    name: 'hedged side in relative clause',
    text: 'L4-5: Foraminal narrowing on the left, which may be moderate.',
    levels: { 'L4-L5': { left_foraminal_stenosis: 2 } },
    evidence: { 'L4-L5': { left_foraminal_stenosis: { keyword: 'moderate', uncertain: true } } },
  },
  {
    name: 'relative clause after with',
    text: 'L4-5: Disc bulge with canal stenosis which is likely severe.',
    levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 3 } },
    evidence: { 'L4-L5': { disc_bulge: { uncertain: false }, spinal_canal_stenosis: { uncertain: true } } },
  },
  {
    name: 'not clear whether herniation',
    text: 'L4-5: It is not clear whether there is a disc herniation.',
    levels: { 'L4-L5': { disc_herniation: 'uncertain' } },
    evidence: { 'L4-L5': { disc_herniation: { keyword: 'herniation' } } },
  },
  {
    name: 'unclear whether grade',
    text: 'L3-4: Unclear whether there is mild left foraminal stenosis.',
    levels: { 'L3-L4': { left_foraminal_stenosis: 1 } },
    evidence: { 'L3-L4': { left_foraminal_stenosis: { uncertain: true } } },
  },
  {
    name: 'whether or not protrusion',
    text: 'L5-S1: Uncertain whether or not there is a small disc protrusion.',
    levels: { 'L5-S1': { disc_herniation: 'uncertain' } },
  },
  {
    name: 'question of protrusion',
    text: 'L5-S1: Question of a small right paracentral disc protrusion.',
    levels: { 'L5-S1': { disc_herniation: 'uncertain' } },
  },
  {
    name: 'not certain whether facets',
    text: 'L4-5: It is not certain whether facet arthropathy is present.',
    levels: { 'L4-L5': bothFacets('uncertain') },
  },
  {
    name: 'negation before finding stays',
    text: 'L4-5: No disc herniation. Possible small annular fissure.',
    levels: { 'L4-L5': { disc_herniation: 0 } },
  },
  {
    name: 'certain grade keeps hedge out',
    text: 'L4-5: Moderate central canal stenosis, possibly severe.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { uncertain: false } } },
  },
];

testCases(cases);

import {
  allConditions,
  atLevels,
  atLumbarLevels,
  bothFacets,
  bothForamina,
  bothSubarticular,
  mergeLevels,
  testCases,
  type LabelCase,
} from './expect.js';

// Whole multi-level reports with several sections, each written for this suite.
const cases: LabelCase[] = [
  {
    name: 'full report with history',
    text: [
      'EXAMINATION: MRI lumbar spine without contrast.',
      'HISTORY: Chronic low back pain radiating to the left leg.',
      'TECHNIQUE: Sagittal T1, T2 and STIR; axial T2 from L2 to S1.',
      'COMPARISON: None.',
      'FINDINGS:',
      'Alignment is normal. Vertebral body heights are preserved. The conus terminates at L1.',
      'T12-L1 through L2-L3: No disc herniation, canal stenosis or foraminal stenosis.',
      'L3-L4: Mild disc bulge and mild facet arthropathy. No canal stenosis. Neural foramina are patent.',
      'L4-L5: Broad-based disc bulge with a superimposed small left paracentral protrusion. Ligamentum flavum ' +
        'hypertrophy and moderate facet arthropathy. Moderate canal stenosis and moderate left subarticular ' +
        'stenosis. Mild bilateral foraminal stenosis.',
      'L5-S1: Disc desiccation. Small central disc protrusion without canal stenosis. Moderate right and mild ' +
        'left foraminal stenosis.',
      'IMPRESSION:',
      '1. Moderate canal stenosis at L4-L5 with moderate left subarticular stenosis.',
      '2. Moderate right foraminal stenosis at L5-S1.',
    ].join('\n'),
    levels: mergeLevels(atLevels(['T12-L1', 'L1-L2', 'L2-L3'], { disc_herniation: 0, spinal_canal_stenosis: 0, ...bothForamina(0) }), {
      'L3-L4': { disc_bulge: 1, ...bothFacets(1), spinal_canal_stenosis: 0, ...bothForamina(0) },
      'L4-L5': {
        disc_bulge: 1,
        disc_herniation: 1,
        ligamentum_flavum_thickening: 1,
        ...bothFacets(1),
        spinal_canal_stenosis: 2,
        left_subarticular_stenosis: 2,
        ...bothForamina(1),
      },
      'L5-S1': { disc_herniation: 1, spinal_canal_stenosis: 0, right_foraminal_stenosis: 2, left_foraminal_stenosis: 1 },
    }),
    evidence: {
      'L4-L5': { spinal_canal_stenosis: { keyword: 'moderate', section: 'findings' } },
      'L5-S1': { right_foraminal_stenosis: { keyword: 'moderate', section: 'findings' } },
    },
  },
  {
    name: 'report with section disagreement',
    text: [
      'FINDINGS:',
      'L1-2 and L2-3: Normal.',
      'L3-4: Mild diffuse disc bulge. Mild facet arthrosis. The canal and foramina are patent.',
      'L4-5: Diffuse disc bulge and facet hypertrophy result in severe central stenosis. Severe left and moderate ' +
        'right foraminal narrowing.',
      'L5-S1: Unremarkable.',
      'IMPRESSION:',
      'Severe central canal stenosis at L4-5. Moderate left foraminal stenosis at L4-5.',
    ].join('\n'),
    levels: {
      'L1-L2': allConditions(0),
      'L2-L3': allConditions(0),
      'L3-L4': { disc_bulge: 1, ...bothFacets(1), spinal_canal_stenosis: 0, ...bothForamina(0) },
      'L4-L5': {
        disc_bulge: 1,
        ...bothFacets(1),
        spinal_canal_stenosis: 3,
        left_foraminal_stenosis: 3,
        right_foraminal_stenosis: 2,
      },
      'L5-S1': allConditions(0),
    },
    evidence: { 'L4-L5': { left_foraminal_stenosis: { keyword: 'severe', section: 'findings' } } },
    warnings: ['SECTION_DISAGREEMENT'],
  },
  {
    name: 'report with measurements',
    text: [
      'FINDINGS:',
      'Prominent epidural fat is present from L4 to S1.',
      'L2-L3: Minimal disc bulge. No canal or foraminal stenosis.',
      'L3-L4: Disc bulge with ligamentum flavum buckling. Canal stenosis with an AP diameter of 11 mm. Mild right ' +
        'foraminal stenosis.',
      'L4-L5: Disc bulge and facet arthropathy. Severe canal stenosis, AP diameter 7 mm. Moderate bilateral ' +
        'subarticular stenosis.',
      'Lumbosacral junction: Small left foraminal disc protrusion with moderate left foraminal stenosis.',
      'IMPRESSION:',
      'Multilevel lumbar spondylosis, most pronounced at L4-L5 with severe canal stenosis.',
    ].join('\n'),
    levels: {
      'L2-L3': { disc_bulge: 1, spinal_canal_stenosis: 0, ...bothForamina(0) },
      'L3-L4': { disc_bulge: 1, ligamentum_flavum_thickening: 1, spinal_canal_stenosis: 2, right_foraminal_stenosis: 1 },
      'L4-L5': {
        epidural_lipomatosis: 1,
        disc_bulge: 1,
        ...bothFacets(1),
        spinal_canal_stenosis: 3,
        ...bothSubarticular(2),
      },
      'L5-S1': { epidural_lipomatosis: 1, disc_herniation: 1, left_foraminal_stenosis: 2 },
    },
    evidence: {
      'L3-L4': { spinal_canal_stenosis: { measurementMm: 11, section: 'findings' } },
      'L4-L5': { spinal_canal_stenosis: { keyword: 'severe', measurementMm: 7, section: 'findings' } },
    },
  },
  {
    name: 'report with sixth lumbar vertebra',
    text: [
      'FINDINGS:',
      'Six lumbar-type vertebral bodies are present; the lowest is designated L6.',
      'L3-4: Unremarkable.',
      'L4-5: Mild broad-based disc bulge and bilateral facet arthropathy. No canal stenosis.',
      'L5-6: Moderate disc bulge with ligamentum flavum infolding. Moderate canal stenosis. Mild foraminal ' +
        'stenosis, worse on the right.',
      'L6-S1: Possible small central disc protrusion. Patent foramina.',
      'IMPRESSION:',
      'Transitional lumbosacral anatomy. Moderate canal stenosis at L5-6.',
    ].join('\n'),
    levels: {
      'L3-L4': allConditions(0),
      'L4-L5': { disc_bulge: 1, ...bothFacets(1), spinal_canal_stenosis: 0 },
      'L5-L6': { disc_bulge: 1, ligamentum_flavum_thickening: 1, spinal_canal_stenosis: 2, ...bothForamina(1) },
      'L6-S1': { disc_herniation: 'uncertain', ...bothForamina(0) },
    },
    warnings: ['SIXTH_LUMBAR_VERTEBRA', 'TRANSITIONAL_ANATOMY'],
  },
  {
    name: 'normal report',
    text: [
      'MRI LUMBAR SPINE',
      'HISTORY: Back pain.',
      'FINDINGS:',
      'Normal alignment. No fracture. The conus is normal in position.',
      'T12-L1 to L5-S1: No disc bulge, disc herniation, canal stenosis or foraminal stenosis.',
      'IMPRESSION:',
      'Normal MRI of the lumbar spine.',
    ].join('\n'),
    levels: mergeLevels(
      { 'T12-L1': { disc_bulge: 0, disc_herniation: 0, spinal_canal_stenosis: 0, ...bothForamina(0) } },
      atLumbarLevels(allConditions(0)),
    ),
    evidence: {
      'L3-L4': {
        disc_bulge: { section: 'findings' },
        left_facet_arthropathy: { section: 'impression', global: true },
      },
    },
  },
  {
    name: 'report with slash headings',
    text: [
      'FINDINGS:',
      'L2/3: Minimal disc bulge.',
      'L3/4: Mild disc bulge with mild bilateral facet hypertrophy, resulting in mild narrowing of both foramina.',
      'L4/5: Left paracentral disc extrusion compressing the traversing left L5 nerve root. Moderate left lateral ' +
        'recess stenosis. The canal is otherwise patent.',
      'L5/S1: Small central protrusion without nerve root compression. No foraminal stenosis.',
      'IMPRESSION:',
      '1. Left paracentral L4/5 disc extrusion with moderate left lateral recess stenosis.',
      '2. Mild degenerative changes at L2/3, L3/4 and L5/S1.',
      'COMMENT:',
      'Findings were discussed with the referring clinician by telephone.',
    ].join('\n'),
    levels: {
      'L2-L3': { disc_bulge: 1 },
      'L3-L4': { disc_bulge: 1, ...bothFacets(1), ...bothForamina(1) },
      'L4-L5': { disc_herniation: 1, left_subarticular_stenosis: 2, spinal_canal_stenosis: 0 },
      'L5-S1': { disc_herniation: 1, ...bothForamina(0) },
    },
    evidence: { 'L4-L5': { left_subarticular_stenosis: { keyword: 'moderate', section: 'findings' } } },
  },
];

testCases(cases);

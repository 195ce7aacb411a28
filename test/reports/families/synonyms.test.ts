import { bothFacets, bothSubarticular, testCases, type LabelCase } from './expect.js';

// The synonyms of each condition, and conditions that share words but must stay apart.
const cases: LabelCase[] = [
  {
    name: 'facet arthrosis',
    text: 'L4-5: Mild facet arthrosis.',
    levels: { 'L4-L5': bothFacets(1) },
    evidence: { 'L4-L5': { left_facet_arthropathy: { keyword: 'arthrosis' } } },
  },
  {
    name: 'facet disease',
    text: 'L5-S1: Degenerative facet disease.',
    levels: { 'L5-S1': bothFacets(1) },
  },
  {
    name: 'facet hypertrophy',
    text: 'L3-L4: Bilateral facet hypertrophy.',
    levels: { 'L3-L4': bothFacets(1) },
  },
  {
    name: 'facet degeneration',
    text: 'L4-L5: Moderate facet degeneration.',
    levels: { 'L4-L5': bothFacets(1) },
  },
  {
    name: 'facet osteoarthritis on one side',
    text: 'L5-S1: Left facet osteoarthritis.',
    levels: { 'L5-S1': { left_facet_arthropathy: 1 } },
  },
  {
    name: 'facet joint arthrosis',
    text: 'L4-5: Facet joint arthrosis with small joint effusions.',
    levels: { 'L4-L5': bothFacets(1) },
  },
  {
    name: 'ligamentum flavum thickening',
    text: 'L4-5: Ligamentum flavum thickening.',
    levels: { 'L4-L5': { ligamentum_flavum_thickening: 1 } },
    evidence: { 'L4-L5': { ligamentum_flavum_thickening: { keyword: 'flavum' } } },
  },
  {
    name: 'ligamentum flavum hypertrophy',
    text: 'L3-4: Ligamentum flavum hypertrophy.',
    levels: { 'L3-L4': { ligamentum_flavum_thickening: 1 } },
  },
  {
    name: 'ligamentum flavum buckling',
    text: 'L4-L5: Mild ligamentum flavum buckling.',
    levels: { 'L4-L5': { ligamentum_flavum_thickening: 1 } },
  },
  {
    name: 'ligamentum flavum infolding',
    text: 'L2-3: Ligamentum flavum infolding.',
    levels: { 'L2-L3': { ligamentum_flavum_thickening: 1 } },
  },
  {
    name: 'ligamentous hypertrophy',
    text: 'L4-5: Ligamentous hypertrophy.',
    levels: { 'L4-L5': { ligamentum_flavum_thickening: 1 } },
  },
  {
    name: 'epidural lipomatosis',
    text: 'L5-S1: Epidural lipomatosis.',
    levels: { 'L5-S1': { epidural_lipomatosis: 1 } },
  },
  {
    name: 'prominent epidural fat',
    text: 'Prominent epidural fat from L4 to S1.',
    levels: { 'L4-L5': { epidural_lipomatosis: 1 }, 'L5-S1': { epidural_lipomatosis: 1 } },
  },
  {
    name: 'excess epidural fat',
    text: 'L5-S1: Excess epidural fat.',
    levels: { 'L5-S1': { epidural_lipomatosis: 1 } },
  },
  {
    name: 'increased epidural fat',
    text: 'Increased epidural fat at L4-5.',
    levels: { 'L4-L5': { epidural_lipomatosis: 1 } },
  },
  {
    name: 'bulging disc',
    text: 'L3-4: Bulging disc.',
    levels: { 'L3-L4': { disc_bulge: 1 } },
  },
  {
    name: 'annular bulge',
    text: 'L2-L3: Mild annular bulge.',
    levels: { 'L2-L3': { disc_bulge: 1 } },
  },
  {
    name: 'broad-based bulge',
    text: 'L4-5: Broad-based bulge.',
    levels: { 'L4-L5': { disc_bulge: 1 } },
  },
  {
    name: 'diffuse bulge',
    text: 'L5-S1: Diffuse bulge.',
    levels: { 'L5-S1': { disc_bulge: 1 } },
  },
  {
    name: 'protrusion is herniation',
    text: 'L4-5: Left paracentral disc protrusion.',
    levels: { 'L4-L5': { disc_herniation: 1 } },
    evidence: { 'L4-L5': { disc_herniation: { keyword: 'protrusion' } } },
  },
  {
    name: 'extrusion is herniation',
    text: 'L5-S1: Large central disc extrusion.',
    levels: { 'L5-S1': { disc_herniation: 1 } },
  },
  {
    name: 'sequestration is herniation',
    text: 'L4-L5: Disc sequestration.',
    levels: { 'L4-L5': { disc_herniation: 1 } },
  },
  {
    name: 'herniated disc',
    text: 'L5-S1: Herniated disc.',
    levels: { 'L5-S1': { disc_herniation: 1 } },
  },
  {
    name: 'HNP abbreviation',
    text: 'L4-5: Right paracentral HNP.',
    levels: { 'L4-L5': { disc_herniation: 1 } },
  },
  {
    name: 'bulge with protrusion',
    text: 'L4-5: Disc bulge with a superimposed central protrusion.',
    levels: { 'L4-L5': { disc_bulge: 1, disc_herniation: 1 } },
    evidence: { 'L4-L5': { disc_bulge: { keyword: 'bulge' }, disc_herniation: { keyword: 'protrusion' } } },
  },
  {
    name: 'annular fissure is no condition',
    text: 'L3-L4: Posterior annular fissure without disc herniation.',
    levels: { 'L3-L4': { disc_herniation: 0 } },
  },
  {
    name: 'disc osteophyte complex',
    text: 'L5-S1: Disc osteophyte complex.',
    levels: { 'L5-S1': { disc_osteophyte_complex: 1 } },
  },
  {
    name: 'lateral recess stenosis',
    text: 'L4-5: Moderate lateral recess stenosis.',
    levels: { 'L4-L5': bothSubarticular(2) },
  },
  {
    name: 'right lateral recess stenosis',
    text: 'L5-S1: Mild right lateral recess stenosis.',
    levels: { 'L5-S1': { right_subarticular_stenosis: 1 } },
  },
  {
    name: 'subarticular zone narrowing',
    text: 'L4-L5: Severe subarticular zone narrowing.',
    levels: { 'L4-L5': bothSubarticular(3) },
  },
  {
    name: 'subarticular separate from canal',
    text: 'L4-5: Mild canal stenosis and severe left subarticular stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 1, left_subarticular_stenosis: 3 } },
  },
  {
    name: 'central stenosis',
    text: 'L3-4: Moderate central stenosis.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'thecal sac narrowing',
    text: 'L4-5: Mild thecal sac narrowing.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
  },
  {
    name: 'spinal canal stenosis',
    text: 'L2-3: Moderate spinal canal stenosis.',
    levels: { 'L2-L3': { spinal_canal_stenosis: 2 } },
  },
  {
    name: 'neural foramen narrowing',
    text: 'L5-S1: Moderate narrowing of the right neural foramen.',
    levels: { 'L5-S1': { right_foraminal_stenosis: 2 } },
  },
  {
    name: 'distractors give no conditions',
    text: 'L4-5: Disc desiccation and loss of disc height with type 2 endplate changes. Mild disc bulge.',
    levels: { 'L4-L5': { disc_bulge: 1 } },
  },
  {
    name: 'bulge and facets narrow foramina',
    text: 'L3-4: Mild disc bulge and facet arthropathy result in mild bilateral foraminal narrowing.',
    levels: {
      'L3-L4': { disc_bulge: 1, ...bothFacets(1), left_foraminal_stenosis: 1, right_foraminal_stenosis: 1 },
    },
  },
  {
    name: 'disc prolapse is herniation',
    text: 'L4/5: Left paracentral disc prolapse. L5/S1: Prolapsed disc.',
    levels: { 'L4-L5': { disc_herniation: 1 }, 'L5-S1': { disc_herniation: 1 } },
  },
  {
    name: 'facet joint OA',
    text: 'L5/S1: Small disc bulge. Bilateral facet joint OA.',
    levels: { 'L5-S1': { disc_bulge: 1, ...bothFacets(1) } },
  },
  {
    name: 'canal of adequate calibre',
    text: 'L3-4: The canal is of adequate calibre.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 0 } },
  },
  {
    name: 'severe compression of thecal sac',
    text: 'L4-5: Severe compression of the thecal sac.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 3 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'compression', range: null, unspecifiedGrade: false } } },
  },
  {
    name: 'thecal sac moderately compressed',
    text: 'L3-4: The thecal sac is moderately compressed.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 2 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { keyword: 'compressed', range: null } } },
  },
  {
    name: 'ungraded effacement of thecal sac',
    text: 'L4-5: The thecal sac is effaced.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'effaced', range: [0, 1], unspecifiedGrade: true } } },
  },
  {
    name: 'mild effacement of ventral sac',
    text: 'L4-5: Disc bulge with mild effacement of the ventral thecal sac.',
    levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 1 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'effacement', range: [0, 1], unspecifiedGrade: false } } },
  },
  {
    name: 'no effacement of thecal sac',
    text: 'L4-5: Disc bulge without effacement of the thecal sac.',
    levels: { 'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 0 } },
  },
  {
    name: 'nerve root compression is no stenosis',
    text: 'L4-5: Disc protrusion compressing the left S1 nerve root. Compression of the traversing L5 nerve roots.',
    levels: { 'L4-L5': { disc_herniation: 1 } },
  },
  {
    name: 'nerve roots within the thecal sac',
    text: 'L4-5: Compression of the nerve roots within the thecal sac.',
    levels: {},
  },
  {
    name: 'compression in recess is no stenosis',
    text: 'L5-S1: Protrusion compressing the right S1 nerve root in the lateral recess. The nerve roots are compressed.',
    levels: { 'L5-S1': { disc_herniation: 1 } },
  },
  {
    name: 'cord compression and fracture',
    text: 'T12-L1: Severe spinal cord compression. L1 compression fracture.',
    levels: {},
  },
  {
    name: 'clear lateral recess',
    text: 'L4-5: The left lateral recess is clear.',
    levels: { 'L4-L5': { left_subarticular_stenosis: 0 } },
    evidence: { 'L4-L5': { left_subarticular_stenosis: { keyword: 'clear' } } },
  },
  {
    name: 'clear foramina and canal',
    text: 'L3-4: Neural foramina are clear. The canal is clear.',
    levels: { 'L3-L4': { left_foraminal_stenosis: 0, right_foraminal_stenosis: 0, spinal_canal_stenosis: 0 } },
  },
  {
    name: 'clear side after narrowed side',
    text: 'L5-S1: The right neural foramen is moderately narrowed, the left is clear.',
    levels: { 'L5-S1': { right_foraminal_stenosis: 2, left_foraminal_stenosis: 0 } },
  },
  {
    name: 'clear without a structure',
    text: 'L4-5: Clear. It is not clear on this study.',
    levels: {},
  },
  {
    name: 'structure not clear',
    text: 'L4-5: The left foramen is not clear.',
    levels: {},
  },
  {
    name: 'no clear herniation',
    text: 'L4-5: No clear disc herniation.',
    levels: { 'L4-L5': { disc_herniation: 0 } },
  },
  {
    name: 'neural compromise names nerves',
    text: 'L5/S1: Mild disc bulge without neural compromise.',
    levels: { 'L5-S1': { disc_bulge: 1 } },
  },
];

testCases(cases);

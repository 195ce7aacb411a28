import { allConditions, allStenosis, atLevels, atLumbarLevels, bothFacets, bothForamina, bothSubarticular, mergeLevels, type LabelCase } from './expect.js';

/**
 * Twenty short lumbar MRI reports in the styles that archives mix. They include US narrative with
 * FINDINGS and IMPRESSION, UK and Australian prose, templated level lines and terse capitals.
 * Others are dictation with abbreviations and typos, name cervical or thoracic levels, or follow surgery.
 * Each was written for this suite, and its levels are what a reader takes the text to mean under
 * the conventions of docs/labeler.md. A case with `todo` states a reading the labeler still gets
 * wrong, and the reason says where it differs.
 */
export const variedReports: LabelCase[] = [
  {
    name: 'US narrative with impression',
    text: [
      'EXAM: MRI LUMBAR SPINE WITHOUT CONTRAST',
      'INDICATION: Low back pain, rule out stenosis.',
      'FINDINGS:',
      'Alignment is maintained. The conus ends at L1.',
      'L1-L2: No disc bulge. No canal or foraminal stenosis.',
      'L2-L3: Mild disc bulge. No canal stenosis. Foramina are patent.',
      'L3-L4: Mild disc bulge and mild bilateral facet arthropathy. Mild canal stenosis. Mild left foraminal narrowing.',
      'L4-L5: Moderate broad-based disc bulge with ligamentum flavum thickening and facet arthropathy causing ' +
        'moderate to severe canal stenosis. Moderate bilateral foraminal stenosis.',
      'L5-S1: Small central disc protrusion. No canal stenosis. Foramina are patent.',
      'IMPRESSION:',
      '1. Moderate to severe canal stenosis at L4-L5.',
      '2. Small central L5-S1 disc protrusion.',
    ].join('\n'),
    levels: {
      'L1-L2': { disc_bulge: 0, spinal_canal_stenosis: 0, ...bothForamina(0) },
      'L2-L3': { disc_bulge: 1, spinal_canal_stenosis: 0, ...bothForamina(0) },
      'L3-L4': { disc_bulge: 1, ...bothFacets(1), spinal_canal_stenosis: 1, left_foraminal_stenosis: 1 },
      'L4-L5': { disc_bulge: 1, ligamentum_flavum_thickening: 1, ...bothFacets(1), spinal_canal_stenosis: 3, ...bothForamina(2) },
      'L5-S1': { disc_herniation: 1, spinal_canal_stenosis: 0, ...bothForamina(0) },
    },
  },
  {
    name: 'UK prose with remaining levels',
    text: [
      'MRI lumbar spine.',
      'Clinical details: Left sciatica.',
      'Findings: Normal lumbar lordosis. The conus is normal. There is loss of disc signal at L4/5 and L5/S1. ' +
        'At L4/5 there is a left paracentral disc protrusion which narrows the left lateral recess and abuts the ' +
        'descending left L5 nerve root. The exit foramina are adequate. At L5/S1 there is a broad based disc bulge ' +
        'with mild bilateral foraminal narrowing, not compressing the exiting L5 roots. The remaining levels are normal.',
      'Conclusion: L4/5 left paracentral disc protrusion narrowing the left lateral recess.',
    ].join('\n'),
    levels: mergeLevels(atLevels(['L1-L2', 'L2-L3', 'L3-L4'], allConditions(0)), {
      'L4-L5': { disc_herniation: 1, left_subarticular_stenosis: 1, ...bothForamina(0) },
      'L5-S1': { disc_bulge: 1, ...bothForamina(1) },
    }),
  },
  {
    name: 'templated value lines',
    text: [
      'FINDINGS:',
      'T12-L1: Normal.',
      'L1-2: Normal.',
      'L2-3: Disc bulge: mild. Canal stenosis: none. Foraminal stenosis: none.',
      'L3-4: Disc bulge: mild. Canal stenosis: mild. Right foramen: mild. Left foramen: none.',
      'L4-5: Disc herniation: present. Canal stenosis: moderate. Foraminal stenosis: mild bilateral. Facet arthropathy: present.',
      'L5-S1: Disc bulge: none. Canal stenosis: normal. Foraminal stenosis: none.',
    ].join('\n'),
    levels: mergeLevels(atLevels(['T12-L1', 'L1-L2'], allConditions(0)), {
      'L2-L3': { disc_bulge: 1, spinal_canal_stenosis: 0, ...bothForamina(0) },
      'L3-L4': { disc_bulge: 1, spinal_canal_stenosis: 1, right_foraminal_stenosis: 1, left_foraminal_stenosis: 0 },
      'L4-L5': { disc_herniation: 1, spinal_canal_stenosis: 2, ...bothForamina(1), ...bothFacets(1) },
      'L5-S1': { disc_bulge: 0, spinal_canal_stenosis: 0, ...bothForamina(0) },
    }),
  },
  {
    name: 'terse capitals with impression',
    text: [
      'MRI L-SPINE',
      'FINDINGS:',
      'L3-4: MILD DISC BULGE. NO STENOSIS.',
      'L4-5: DISC BULGE AND FACET HYPERTROPHY. MOD CANAL STENOSIS. MILD BILAT NF NARROWING.',
      'L5-S1: SMALL CENTRAL PROTRUSION. NO CANAL STENOSIS. SEV LEFT NF STENOSIS.',
      'IMPRESSION: MOD CENTRAL STENOSIS L4-5. SEV LEFT FORAMINAL STENOSIS L5-S1.',
    ].join('\n'),
    levels: {
      'L3-L4': { disc_bulge: 1, ...allStenosis(0) },
      'L4-L5': { disc_bulge: 1, ...bothFacets(1), spinal_canal_stenosis: 2, ...bothForamina(1) },
      'L5-S1': { disc_herniation: 1, spinal_canal_stenosis: 0, left_foraminal_stenosis: 3 },
    },
  },
  {
    name: 'dictation with abbreviations',
    text: [
      'Findings:',
      'L2-3 mild disc bulge w/o sig stenosis.',
      'L3-4 mod disc bulge, mild facet arthropathy, mild SCS. NF patent.',
      'L4-5 diffuse disc bulge + LF thickening, sev SCS, mod bilat NF narrowing, L>R. bilat LR narrowing.',
      'L5-S1 sm R paracentral protrusion contacting the R S1 root, mild R NF narrowing.',
      'Impression: sev SCS at L4-5.',
    ].join('\n'),
    todo: '"SCS" (spinal canal stenosis) is not a rules word, so the canal is unstated at L3-4 and L4-5',
    levels: {
      'L2-L3': { disc_bulge: 1, ...allStenosis(0) },
      'L3-L4': { disc_bulge: 1, ...bothFacets(1), spinal_canal_stenosis: 1, ...bothForamina(0) },
      'L4-L5': { disc_bulge: 1, ligamentum_flavum_thickening: 1, spinal_canal_stenosis: 3, ...bothForamina(2), ...bothSubarticular(1) },
      'L5-S1': { disc_herniation: 1, right_foraminal_stenosis: 1 },
    },
  },
  {
    name: 'Australian report with comment',
    text: [
      'MRI LUMBAR SPINE',
      'Clinical notes: Bilateral leg pain on walking.',
      'Report:',
      'Five lumbar vertebrae are assumed. L1/2 and L2/3 discs are normal.',
      'L3/4: Disc bulge and facet joint arthropathy with mild central canal stenosis. The exit foramina are clear.',
      'L4/5: Grade 1 degenerative anterolisthesis. Disc bulge, ligamentum flavum hypertrophy and marked facet ' +
        'arthropathy result in severe central canal stenosis with crowding of the cauda equina. Moderate bilateral ' +
        'foraminal stenosis, the L4 nerve roots are not compressed.',
      'L5/S1: Mild disc bulge without neural compromise.',
      'Comment: Severe central canal stenosis at L4/5.',
    ].join('\n'),
    levels: {
      'L1-L2': { disc_bulge: 0, disc_herniation: 0 },
      'L2-L3': { disc_bulge: 0, disc_herniation: 0 },
      'L3-L4': { disc_bulge: 1, ...bothFacets(1), spinal_canal_stenosis: 1, ...bothForamina(0) },
      'L4-L5': { disc_bulge: 1, ligamentum_flavum_thickening: 1, ...bothFacets(1), spinal_canal_stenosis: 3, ...bothForamina(2) },
      'L5-S1': { disc_bulge: 1 },
    },
  },
  {
    name: 'whole spine screen with lumbar part',
    text: [
      'MRI WHOLE SPINE',
      'FINDINGS:',
      'Cervical spine: C5-6 disc osteophyte complex with moderate canal stenosis. C6-7 mild left foraminal narrowing.',
      'Thoracic spine: Small T7-8 disc protrusion without cord compression.',
      'Lumbar spine: L4-5 mild disc bulge with mild bilateral foraminal narrowing. L5-S1 normal. Remaining lumbar ' +
        'levels are unremarkable.',
    ].join('\n'),
    levels: mergeLevels(atLevels(['L1-L2', 'L2-L3', 'L3-L4', 'L5-S1'], allConditions(0)), {
      'L4-L5': { disc_bulge: 1, ...bothForamina(1) },
    }),
  },
  {
    name: 'prior laminectomy follow-up',
    text: [
      'HISTORY: Prior L4-5 laminectomy and discectomy. Recurrent left leg pain.',
      'FINDINGS:',
      'Postoperative changes of left L4-5 hemilaminectomy. There is enhancing granulation tissue in the left ' +
        'lateral recess without recurrent disc herniation. Mild bilateral foraminal stenosis.',
      'L5-S1: Mild disc bulge. Mild facet arthropathy. No stenosis.',
      'L3-4: Normal.',
      'IMPRESSION: No recurrent disc herniation at L4-5.',
    ].join('\n'),
    levels: {
      'L3-L4': allConditions(0),
      'L4-L5': { disc_herniation: 0, ...bothForamina(1) },
      'L5-S1': { disc_bulge: 1, ...bothFacets(1), ...allStenosis(0) },
    },
  },
  {
    name: 'mixed numbering with upper levels',
    text: [
      'FINDINGS: Multilevel degenerative disc disease from L3-L4 through L5-S1 with disc desiccation. No disc ' +
        'herniation at any level.',
      'L3/L4: Minimal disc bulge. Canal and foramina patent.',
      'L4/L5: Disc bulge with mild canal stenosis and mild-to-moderate right foraminal narrowing. Left foramen patent.',
      'L5/S1: Disc osteophyte complex with moderate bilateral foraminal stenosis, left worse than right. No canal stenosis.',
      'Upper levels: unremarkable.',
    ].join('\n'),
    levels: mergeLevels(atLevels(['L1-L2', 'L2-L3'], allConditions(0)), {
      'L3-L4': { disc_herniation: 0, disc_bulge: 1, spinal_canal_stenosis: 0, ...bothForamina(0) },
      'L4-L5': { disc_herniation: 0, disc_bulge: 1, spinal_canal_stenosis: 1, right_foraminal_stenosis: 2, left_foraminal_stenosis: 0 },
      'L5-S1': { disc_herniation: 0, disc_osteophyte_complex: 1, ...bothForamina(2), spinal_canal_stenosis: 0 },
    }),
  },
  {
    name: 'numbered impression only',
    text: [
      'IMPRESSION:',
      '1. L4-5: Moderate central canal stenosis due to disc bulge and facet hypertrophy.',
      '2. L5-S1: Right paracentral disc extrusion with severe right lateral recess stenosis.',
      '3. No other significant abnormality.',
    ].join('\n'),
    // "No other significant abnormality" also covers the conditions not named at L4-5 and L5-S1.
    levels: mergeLevels(atLumbarLevels(allConditions(0)), {
      'L4-L5': { spinal_canal_stenosis: 2, disc_bulge: 1, ...bothFacets(1) },
      'L5-S1': { disc_herniation: 1, right_subarticular_stenosis: 3 },
    }),
  },
  {
    name: 'lowercase run-on dictation',
    text:
      'lumbar mri. l5-s1 sev bilat foraminal stenosis from disc osteophyte complex and facet arthropathy, mod canal ' +
      'stenosis. l4-5 mild bulge, no sig canal stenosis, mild bilat foraminal. l3-4 and above unremarkable.',
    levels: mergeLevels(atLevels(['L1-L2', 'L2-L3', 'L3-L4'], allConditions(0)), {
      'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 0, ...bothForamina(1) },
      'L5-S1': { ...bothForamina(3), disc_osteophyte_complex: 1, ...bothFacets(1), spinal_canal_stenosis: 2 },
    }),
  },
  {
    name: 'UK report with query',
    text: [
      'MRI Lumbar Spine',
      'Indication: ?cauda equina.',
      'Findings: No cauda equina compression. At L5/S1 there is a small right paracentral disc protrusion, query ' +
        'contact with the right S1 nerve root. The L4/5 disc shows a mild bulge with mild narrowing of both exit ' +
        'foramina. Facet joints show mild degenerative change at L4/5 and L5/S1. Other levels are unremarkable.',
    ].join('\n'),
    levels: mergeLevels(atLevels(['L1-L2', 'L2-L3', 'L3-L4'], allConditions(0)), {
      'L4-L5': { disc_bulge: 1, ...bothForamina(1), ...bothFacets(1) },
      'L5-S1': { disc_herniation: 1, ...bothFacets(1) },
    }),
  },
  {
    name: 'table with a text line',
    text: [
      'LUMBAR SPINE MRI',
      'Level | Canal | Left NF | Right NF',
      'L3-4 | none | none | mild',
      'L4-5 | moderate | mild | mild',
      'L5-S1 | mild | severe | moderate',
      'Other: Small L5-S1 central protrusion. Facet arthropathy at L4-5 and L5-S1.',
    ].join('\n'),
    levels: {
      'L3-L4': { spinal_canal_stenosis: 0, left_foraminal_stenosis: 0, right_foraminal_stenosis: 1 },
      'L4-L5': { spinal_canal_stenosis: 2, ...bothForamina(1), ...bothFacets(1) },
      'L5-S1': { spinal_canal_stenosis: 1, left_foraminal_stenosis: 3, right_foraminal_stenosis: 2, disc_herniation: 1, ...bothFacets(1) },
    },
  },
  {
    name: 'respectively and worst at',
    text: [
      'FINDINGS: Degenerative changes throughout the lumbar spine, worst at L4-5. Disc bulges at L3-4, L4-5 and ' +
        'L5-S1. There is mild and moderate canal stenosis at L3-4 and L4-5 respectively. Moderate left foraminal ' +
        'stenosis at L5-S1. Facet arthropathy from L3-4 to L5-S1. L1-2 and L2-3 are normal.',
      'IMPRESSION: Multilevel spondylosis, worst at L4-5 with moderate canal stenosis.',
    ].join('\n'),
    levels: mergeLevels(atLevels(['L1-L2', 'L2-L3'], allConditions(0)), {
      'L3-L4': { disc_bulge: 1, spinal_canal_stenosis: 1, ...bothFacets(1) },
      'L4-L5': { disc_bulge: 1, spinal_canal_stenosis: 2, ...bothFacets(1) },
      'L5-S1': { disc_bulge: 1, left_foraminal_stenosis: 2, ...bothFacets(1) },
    }),
  },
  {
    name: 'normal study in prose',
    text: [
      'MRI of the lumbar spine.',
      'Findings: Vertebral alignment and marrow signal are normal. The conus is normal and ends at L1. The ' +
        'intervertebral discs are of normal height and signal. There is no disc herniation, spinal canal stenosis ' +
        'or neural foraminal narrowing at any level. Facet joints are unremarkable.',
      'Impression: Normal MRI of the lumbar spine.',
    ].join('\n'),
    levels: atLumbarLevels(allConditions(0)),
  },
  {
    name: 'dictation with misspellings',
    text: [
      'FINDNIGS:',
      'L3-L4: Mild diffuse disc buldge. Mild bilateral facet arthropathy. No signficant canal or foraminal stenosis.',
      'L4-L5: Modreate canal stenosis secondary to disc bulge and ligamentum flavum hypertophy. Moderate left and ' +
        'mild right neural foraminal narowing.',
      'L5-S1: Left foraminal disc protrusion causing severe left foraminal stenosis. Right foramen patent.',
    ].join('\n'),
    levels: {
      'L3-L4': { disc_bulge: 1, ...bothFacets(1), spinal_canal_stenosis: 0, ...bothForamina(0) },
      'L4-L5': { spinal_canal_stenosis: 2, disc_bulge: 1, ligamentum_flavum_thickening: 1, left_foraminal_stenosis: 2, right_foraminal_stenosis: 1 },
      'L5-S1': { disc_herniation: 1, left_foraminal_stenosis: 3, right_foraminal_stenosis: 0 },
    },
  },
  {
    name: 'causes given for both levels',
    text:
      'FINDINGS: There is moderate spinal stenosis at L3-4 and severe spinal stenosis at L4-5. At both levels this ' +
      'is due to disc bulging, facet hypertrophy and ligamentum flavum thickening. The neural foramina are mildly ' +
      'narrowed at L4-5 bilaterally. No significant foraminal narrowing at L3-4. At L5-S1 there is a small annular ' +
      'fissure without herniation.',
    todo: '"at both levels" is not read as L3-4 and L4-5, so the bulges, facets and ligamentum flavum get no level',
    levels: {
      'L3-L4': { spinal_canal_stenosis: 2, ...bothForamina(0), disc_bulge: 1, ...bothFacets(1), ligamentum_flavum_thickening: 1 },
      'L4-L5': { spinal_canal_stenosis: 3, ...bothForamina(1), disc_bulge: 1, ...bothFacets(1), ligamentum_flavum_thickening: 1 },
      'L5-S1': { disc_herniation: 0 },
    },
  },
  {
    name: 'Australian nil significant',
    text: [
      'MRI LUMBAR SPINE',
      'Findings:',
      'L1/2 to L3/4: Nil significant.',
      'L4/5: Mild disc bulge. Mild facet arthropathy. Nil canal stenosis. Mild left foraminal stenosis.',
      'L5/S1: Moderate disc bulge with a superimposed central protrusion indenting the thecal sac. Mild canal ' +
        'stenosis. Bilateral moderate foraminal stenosis.',
      'Conclusion: Multilevel degenerative change, most marked at L5/S1.',
    ].join('\n'),
    todo: '"Nil significant." alone is not a normal statement, so L1-L2 to L3-L4 stay unstated',
    levels: mergeLevels(atLevels(['L1-L2', 'L2-L3', 'L3-L4'], allConditions(0)), {
      'L4-L5': { disc_bulge: 1, ...bothFacets(1), spinal_canal_stenosis: 0, left_foraminal_stenosis: 1 },
      'L5-S1': { disc_bulge: 1, disc_herniation: 1, spinal_canal_stenosis: 1, ...bothForamina(2) },
    }),
  },
  {
    name: 'epidural lipomatosis over a span',
    text: [
      'FINDINGS:',
      'Prominent epidural fat from L3 to S1, consistent with epidural lipomatosis, causing mild narrowing of the ' +
        'thecal sac at L4-5 and L5-S1.',
      'L2-3: Small disc osteophyte complex. No stenosis.',
      'L4-5: Mild disc bulge. The foramina are patent.',
      'L5-S1: No disc herniation. Mild right facet arthropathy.',
    ].join('\n'),
    levels: {
      'L2-L3': { disc_osteophyte_complex: 1, ...allStenosis(0) },
      'L3-L4': { epidural_lipomatosis: 1 },
      'L4-L5': { epidural_lipomatosis: 1, spinal_canal_stenosis: 1, disc_bulge: 1, ...bothForamina(0) },
      'L5-S1': { epidural_lipomatosis: 1, spinal_canal_stenosis: 1, disc_herniation: 0, right_facet_arthropathy: 1 },
    },
  },
  {
    name: 'flattened export on one line',
    text:
      'EXAM: MRI LUMBAR SPINE. FINDINGS: L1-2: Normal. L2-3: Normal. L3-4: Mild facet arthropathy, no stenosis. ' +
      'L4-5: Moderate disc bulge with left subarticular recess narrowing, mild canal stenosis, foramina patent. ' +
      'L5-S1: Normal. IMPRESSION: Mild canal stenosis at L4-5 with left subarticular narrowing.',
    levels: mergeLevels(atLevels(['L1-L2', 'L2-L3', 'L5-S1'], allConditions(0)), {
      'L3-L4': { ...bothFacets(1), ...allStenosis(0) },
      'L4-L5': { disc_bulge: 1, left_subarticular_stenosis: 1, spinal_canal_stenosis: 1, ...bothForamina(0) },
    }),
  },
];

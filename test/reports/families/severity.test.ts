import { bothFacets, bothForamina, bothSubarticular, testCases, type LabelCase } from './expect.js';

// Severity words, intermediate ranges, stenosis without a severity word and canal diameters in mm.
const cases: LabelCase[] = [
  {
    name: 'minimal gives mild',
    text: 'L3-4: Minimal canal stenosis.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { keyword: 'minimal', range: null, unspecifiedGrade: false } } },
  },
  {
    name: 'minor gives mild',
    text: 'L2-L3: Minor narrowing of the right neural foramen.',
    levels: { 'L2-L3': { right_foraminal_stenosis: 1 } },
    evidence: { 'L2-L3': { right_foraminal_stenosis: { keyword: 'minor' } } },
  },
  {
    name: 'very mild gives mild',
    text: 'L4-5: Very mild bilateral foraminal stenosis.',
    levels: { 'L4-L5': bothForamina(1) },
  },
  {
    name: 'slight gives mild',
    text: 'L5-S1: Slight left foraminal narrowing.',
    levels: { 'L5-S1': { left_foraminal_stenosis: 1 } },
    evidence: { 'L5-S1': { left_foraminal_stenosis: { keyword: 'slight', unspecifiedGrade: false } } },
  },
  {
    name: 'trace gives mild',
    text: 'L1-L2: Trace central canal stenosis.',
    levels: { 'L1-L2': { spinal_canal_stenosis: 1 } },
  },
  {
    name: 'mild gives mild',
    text: 'L4-L5: Mild right subarticular stenosis.',
    levels: { 'L4-L5': { right_subarticular_stenosis: 1 } },
    evidence: { 'L4-L5': { right_subarticular_stenosis: { keyword: 'mild', uncertain: false, range: null } } },
  },
  {
    name: 'moderate gives moderate',
    text: 'L4-5: Moderate canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'moderate', range: null, uncertain: false } } },
  },
  {
    name: 'significant gives moderate',
    text: 'Significant canal stenosis at L3-L4.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 2 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { keyword: 'significant' } } },
  },
  {
    name: 'moderately severe records range',
    text: 'L4-5: Moderately severe canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 3 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'severe', range: [2, 3] } } },
  },
  {
    name: 'severe gives severe',
    text: 'L4-5: Severe left foraminal stenosis.',
    levels: { 'L4-L5': { left_foraminal_stenosis: 3 } },
    evidence: { 'L4-L5': { left_foraminal_stenosis: { keyword: 'severe', range: null } } },
  },
  {
    name: 'marked gives severe',
    text: 'L3-L4: Marked thecal sac narrowing.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 3 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { keyword: 'marked' } } },
  },
  {
    name: 'advanced gives severe',
    text: 'L5-S1: Advanced right foraminal stenosis.',
    levels: { 'L5-S1': { right_foraminal_stenosis: 3 } },
  },
  {
    name: 'high-grade gives severe',
    text: 'L4-5: High-grade central canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 3 } },
  },
  {
    name: 'critical gives severe',
    text: 'Critical spinal stenosis at L4-L5.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 3 } },
  },
  {
    name: 'extreme gives severe',
    text: 'L3-4: Extreme canal stenosis with redundant nerve roots above the level.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 3 } },
  },
  {
    name: 'mild to moderate range',
    text: 'L4-5: Mild to moderate canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'moderate', range: [1, 2] } } },
  },
  {
    name: 'mild-moderate range',
    text: 'L5-S1: Mild-moderate left foraminal stenosis.',
    levels: { 'L5-S1': { left_foraminal_stenosis: 2 } },
    evidence: { 'L5-S1': { left_foraminal_stenosis: { range: [1, 2] } } },
  },
  {
    name: 'mild/moderate range',
    text: 'L3-L4: Mild/moderate bilateral foraminal narrowing.',
    levels: { 'L3-L4': bothForamina(2) },
    evidence: { 'L3-L4': { left_foraminal_stenosis: { range: [1, 2] }, right_foraminal_stenosis: { range: [1, 2] } } },
  },
  {
    name: 'mild-to-moderate range',
    text: 'L4-L5: Mild-to-moderate bilateral subarticular stenosis.',
    levels: { 'L4-L5': bothSubarticular(2) },
    evidence: { 'L4-L5': { left_subarticular_stenosis: { range: [1, 2] }, right_subarticular_stenosis: { range: [1, 2] } } },
  },
  {
    name: 'moderate to severe range',
    text: 'L4-5: Moderate to severe central canal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 3 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'severe', range: [2, 3] } } },
  },
  {
    name: 'canal stenosis without grade',
    text: 'L4-5: Spinal stenosis.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 1 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'stenosis', unspecifiedGrade: true } } },
  },
  {
    name: 'foraminal narrowing without grade',
    text: 'Foraminal narrowing at L5-S1.',
    levels: { 'L5-S1': bothForamina(1) },
    evidence: {
      'L5-S1': { left_foraminal_stenosis: { unspecifiedGrade: true }, right_foraminal_stenosis: { unspecifiedGrade: true } },
    },
  },
  {
    name: 'subarticular stenosis without grade',
    text: 'Right subarticular stenosis at L4-L5.',
    levels: { 'L4-L5': { right_subarticular_stenosis: 1 } },
    evidence: { 'L4-L5': { right_subarticular_stenosis: { unspecifiedGrade: true } } },
  },
  {
    name: 'severity on presence conditions',
    text: 'L4-5: Large disc extrusion. Severe facet arthropathy. Marked ligamentum flavum thickening.',
    levels: { 'L4-L5': { disc_herniation: 1, ...bothFacets(1), ligamentum_flavum_thickening: 1 } },
  },
  {
    name: 'diameter below 10 mm',
    text: 'L4-5: Canal stenosis with an AP diameter of 9 mm.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 3 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { measurementMm: 9 } } },
  },
  {
    name: 'diameter without space',
    text: 'L3-L4: Central canal stenosis, AP diameter 8mm.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 3 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { measurementMm: 8 } } },
  },
  {
    name: 'diameter of 10 mm',
    text: 'L2-3: Canal stenosis, AP diameter 10 mm.',
    levels: { 'L2-L3': { spinal_canal_stenosis: 2 } },
    evidence: { 'L2-L3': { spinal_canal_stenosis: { measurementMm: 10 } } },
  },
  {
    name: 'diameter of 11 mm',
    text: 'L3-4: Central canal stenosis with an AP diameter of 11 mm.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 2 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { measurementMm: 11 } } },
  },
  {
    name: 'decimal diameter',
    text: 'L2-L3: Canal stenosis, AP canal diameter 12.5 mm.',
    levels: { 'L2-L3': { spinal_canal_stenosis: 1 } },
    evidence: { 'L2-L3': { spinal_canal_stenosis: { measurementMm: 12.5 } } },
  },
  {
    name: 'decimal comma diameter',
    text: 'L3-4: Central canal AP diameter 11,5 mm.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 2 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { measurementMm: 11.5 } } },
  },
  {
    name: 'decimal comma in centimetres',
    text: 'L4-5: Thecal sac narrowing, AP diameter 0,85 cm.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 3 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { measurementMm: 8.5 } } },
  },
  {
    name: 'comma between level and size',
    text: 'L4-5: Canal stenosis at L4-5,12 mm protrusion.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 1, disc_herniation: 1 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { unspecifiedGrade: true, measurementMm: null } } },
  },
  {
    name: 'diameter of 14 mm',
    text: 'L1-2: The AP diameter of the spinal canal is 14 mm.',
    levels: { 'L1-L2': { spinal_canal_stenosis: 0 } },
    evidence: { 'L1-L2': { spinal_canal_stenosis: { measurementMm: 14 } } },
  },
  {
    name: 'severity word beats diameter',
    text: 'L4-5: Moderate canal stenosis, AP diameter 8 mm.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { keyword: 'moderate', measurementMm: 8 } } },
  },
  {
    name: 'current grade after a past one',
    text: 'L3-4: Canal stenosis, formerly mild, now moderate.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 2 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { unspecifiedGrade: false } } },
  },
  {
    name: 'lower current grade after a past one',
    text: 'L3-4: Left foraminal narrowing, previously severe, currently mild.',
    levels: { 'L3-L4': { left_foraminal_stenosis: 1 } },
    evidence: { 'L3-L4': { left_foraminal_stenosis: { unspecifiedGrade: false } } },
  },
  {
    name: 'past grade alone grades nothing',
    text: 'L3-4: Canal stenosis, previously severe.',
    levels: { 'L3-L4': { spinal_canal_stenosis: 1 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { unspecifiedGrade: true } } },
  },
  {
    name: 'upper bound keeps the grade',
    text: 'L2-3: Not more than minimal left foraminal narrowing.',
    levels: { 'L2-L3': { left_foraminal_stenosis: 1 } },
    evidence: { 'L2-L3': { left_foraminal_stenosis: { keyword: 'not more than', range: [0, 1] } } },
  },
  {
    name: 'upper bound after the finding',
    text: 'L4-5: Canal stenosis, at most moderate.',
    levels: { 'L4-L5': { spinal_canal_stenosis: 2 } },
    evidence: { 'L4-L5': { spinal_canal_stenosis: { range: [0, 2], unspecifiedGrade: false } } },
  },
  {
    name: 'lesser degree after severe',
    text: 'Severe canal stenosis at L2-3, and to a lesser degree at L3-4.',
    levels: { 'L2-L3': { spinal_canal_stenosis: 3 }, 'L3-L4': { spinal_canal_stenosis: 2 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { keyword: 'lesser degree', range: [1, 2], unspecifiedGrade: false } } },
  },
  {
    name: 'lesser extent after moderate',
    text: 'Moderate left foraminal stenosis at L4-5 and to a lesser extent at L3-4.',
    levels: { 'L4-L5': { left_foraminal_stenosis: 2 }, 'L3-L4': { left_foraminal_stenosis: 1 } },
    evidence: { 'L3-L4': { left_foraminal_stenosis: { range: null } } },
  },
  {
    name: 'lesser degree between commas',
    text: 'Severe bilateral foraminal stenosis at L5-S1 and, to a lesser degree, at L4-5.',
    levels: { 'L5-S1': bothForamina(3), 'L4-L5': bothForamina(2) },
  },
  {
    name: 'lesser degree without a grade',
    text: 'Canal stenosis at L2-3 and to a lesser degree at L3-4.',
    levels: { 'L2-L3': { spinal_canal_stenosis: 1 }, 'L3-L4': { spinal_canal_stenosis: 1 } },
    evidence: { 'L3-L4': { spinal_canal_stenosis: { unspecifiedGrade: true } } },
  },
  {
    name: 'less severe finding word',
    text: 'Severe right foraminal stenosis at L5-S1 and less severe right foraminal stenosis at L4-5.',
    levels: { 'L5-S1': { right_foraminal_stenosis: 3 }, 'L4-L5': { right_foraminal_stenosis: 2 } },
  },
];

testCases(cases);

import { testCases, type LabelCase } from './expect.js';

// Cervical and thoracic reports, lumbar reports without levels, and empty text give no labels.
const cases: LabelCase[] = [
  {
    name: 'cervical report with title',
    text:
      'MRI CERVICAL SPINE WITHOUT CONTRAST\n' +
      'FINDINGS:\n' +
      'C5-C6: Disc osteophyte complex with moderate canal stenosis.\n' +
      'C6-C7: Mild bilateral foraminal stenosis.\n' +
      'IMPRESSION:\n' +
      'Moderate canal stenosis at C5-C6.',
    levels: {},
    warnings: ['NOT_LUMBAR'],
  },
  {
    name: 'cervical levels only',
    text: 'C4-5: Small disc protrusion. C5-6: Moderate left foraminal stenosis.',
    levels: {},
    warnings: ['NOT_LUMBAR'],
  },
  {
    name: 'thoracic report with title',
    text:
      'MRI THORACIC SPINE\n' +
      'FINDINGS:\n' +
      'T7-T8: Small right paracentral disc protrusion without canal stenosis.\n' +
      'IMPRESSION:\n' +
      'Mild thoracic spondylosis.',
    levels: {},
    warnings: ['NOT_LUMBAR'],
  },
  {
    name: 'thoracic levels only',
    text: 'T8-9 and T9-10: Small disc protrusions. No canal stenosis.',
    levels: {},
    warnings: ['NOT_LUMBAR'],
  },
  {
    name: 'lumbar report without levels',
    text:
      'MRI LUMBAR SPINE\n' +
      'FINDINGS:\n' +
      'Vertebral body heights and alignment are maintained. The conus medullaris terminates at L1.\n' +
      'IMPRESSION:\n' +
      'Mild degenerative changes.',
    levels: {},
    warnings: ['NO_LEVELS_FOUND'],
  },
  {
    name: 'empty text',
    text: '',
    levels: {},
    warnings: ['EMPTY_TEXT'],
    // The rules do not say whether empty text also counts as a report without levels.
    allowedWarnings: ['NO_LEVELS_FOUND'],
  },
];

testCases(cases);

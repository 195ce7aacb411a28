/**
 * Generates synthetic lumbar spine MRI reports for benchmarking the report labeler. The reports
 * follow the layout of real ones (header, history, technique, findings level by level,
 * impression) and use the level notations, severity words, negations, hedges and sides that
 * docs/labeler.md lists, so the labeler meets realistic text. Each report is 1,500 to 3,000
 * characters. The same seed always gives the same corpus.
 *
 * Usage: node dist/bench/report-corpus.js COUNT SEED OUT.csv
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createRandom } from '../src/demo/random.js';

export interface SyntheticReport {
  id: string;
  text: string;
}

export const MIN_REPORT_CHARS = 1500;
export const MAX_REPORT_CHARS = 3000;

/** Returns `count` reports with ids "syn-000001" and up. */
export function generateCorpus(count: number, seed: number): SyntheticReport[] {
  const random = createRandom(seed);
  const reports: SyntheticReport[] = [];
  for (let index = 1; index <= count; index++) {
    reports.push({ id: `syn-${String(index).padStart(6, '0')}`, text: generateReport(random) });
  }
  return reports;
}

/** Writes reports as a CSV file with the columns id and text, quoting every text. */
export function writeCorpusCsv(path: string, reports: readonly SyntheticReport[]): void {
  const lines = ['id,text'];
  for (const report of reports) lines.push(`${report.id},"${report.text.replaceAll('"', '""')}"`);
  writeFileSync(path, lines.join('\n') + '\n');
}

type Random = () => number;

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** Returns a shuffled copy (Fisher-Yates). */
function shuffle<T>(random: Random, items: readonly T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

function chance(random: Random, probability: number): boolean {
  return random() < probability;
}

/** The five usual disc levels with the vertebrae above and below. */
const LEVELS = [
  { upper: 'L1', lower: 'L2' },
  { upper: 'L2', lower: 'L3' },
  { upper: 'L3', lower: 'L4' },
  { upper: 'L4', lower: 'L5' },
  { upper: 'L5', lower: 'S1' },
] as const;

/** Writes one level name in one of the notations reports use. */
function levelName(random: Random, upper: string, lower: string): string {
  if (lower === 'S1') return pick(random, ['L5-S1', 'L5-S1', 'L5/S1', 'L5 - S1', 'L5S1', 'L5-SI', 'L5-S 1']);
  const lowerNumber = lower.slice(1);
  return pick(random, [`${upper}-${lower}`, `${upper}-${lower}`, `${upper}-${lowerNumber}`, `${upper}-${lowerNumber}`, `${upper}/${lowerNumber}`, `${upper}/${lower}`, `${upper} - ${lower}`, `${upper}${lower}`, `${upper} to ${lower}`]);
}

/** Severity words by grade 1 (mild) to 3 (severe), as docs/labeler.md lists them. */
const SEVERITY_WORDS: Record<1 | 2 | 3, readonly string[]> = {
  1: ['mild', 'mild', 'minimal', 'slight', 'minor', 'very mild'],
  2: ['moderate', 'moderate', 'mild to moderate', 'mild-moderate', 'significant'],
  3: ['severe', 'severe', 'moderate to severe', 'marked', 'advanced', 'moderately severe', 'high-grade'],
};

function severity(random: Random, grade: 1 | 2 | 3): string {
  return pick(random, SEVERITY_WORDS[grade]);
}

/** Draws a grade that grows with the level's degeneration score (0 to 3). */
function gradeFor(random: Random, degeneration: number): 0 | 1 | 2 | 3 {
  const value = Math.round(degeneration - 0.8 + random() * 1.6);
  return Math.max(0, Math.min(3, value)) as 0 | 1 | 2 | 3;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const HEADERS = [
  'EXAMINATION: MRI LUMBAR SPINE WITHOUT CONTRAST',
  'MRI OF THE LUMBAR SPINE WITHOUT INTRAVENOUS CONTRAST',
  'Exam: MR lumbar spine, non-contrast',
  'PROCEDURE: Magnetic resonance imaging of the lumbar spine',
  'MRI L-SPINE WITHOUT CONTRAST',
];

const HISTORIES = [
  'Low back pain radiating to the left leg for three months. Evaluate for disc herniation.',
  'Chronic low back pain with bilateral leg numbness on walking. Rule out spinal stenosis.',
  'Right-sided sciatica not improving with physical therapy.',
  'Back pain after lifting at work six weeks ago, now with left foot tingling.',
  'Neurogenic claudication. Pre-surgical planning.',
  'Persistent lumbar pain. Prior conservative treatment failed. Rule out foraminal narrowing.',
  'Axial back pain and stiffness, worse in the morning.',
];

const HISTORY_HEADERS = ['CLINICAL HISTORY:', 'HISTORY:', 'INDICATION:', 'CLINICAL INFORMATION:'];

const TECHNIQUES = [
  'Sagittal T1-weighted, T2-weighted and STIR images and axial T2-weighted images were obtained through the lumbar spine on a 1.5 T scanner.',
  'Multiplanar multisequence MR imaging of the lumbar spine was performed at 3 T without intravenous contrast, including sagittal T1, sagittal T2, sagittal STIR and axial T2 sequences from T12 to S1.',
  'Sagittal T1 and T2, axial T1 and T2 images of the lumbar spine. No contrast was given.',
];

const COMPARISONS = ['None.', 'None available.', 'Lumbar spine radiographs from the prior year.', 'Prior lumbar MRI from two years ago.', 'CT abdomen from last spring, for the osseous structures only.'];

const GENERAL_FINDINGS = [
  'For the purposes of this report, there are five lumbar-type vertebral bodies, with the lowest well-formed disc designated L5-S1.',
  'Lumbar lordosis is maintained and there is no listhesis.',
  'There is straightening of the normal lumbar lordosis, which may relate to muscle spasm.',
  'Vertebral body heights are maintained without fracture.',
  'Bone marrow signal is within normal limits without a suspicious marrow replacing lesion.',
  'There are scattered Modic type 2 endplate changes in the lower lumbar spine.',
  'The conus medullaris terminates normally at the level of L1 and has normal signal.',
  'The conus ends at the T12-L1 level and the cauda equina nerve roots lie in a normal distribution.',
  'The visualized lower thoracic spinal cord is normal in caliber and signal.',
  'A small hemangioma is present in the L2 vertebral body, of no clinical significance.',
  'There is multilevel disc desiccation with loss of disc height, most pronounced in the lower lumbar spine.',
  'The sacroiliac joints, as far as they are included, are unremarkable.',
];

const FILLER_FINDINGS = [
  'The paraspinal musculature shows mild fatty atrophy but no edema or mass.',
  'Visualized portions of the kidneys show no hydronephrosis; a simple cyst is seen in the lower pole of the left kidney.',
  'The abdominal aorta is normal in caliber where imaged.',
  'No abnormal fluid collection is seen in the posterior soft tissues.',
  'There is no evidence of a pars interarticularis defect on the sagittal images.',
  'The retroperitoneum is unremarkable within the field of view.',
  'Schmorl nodes are noted along several endplates without associated edema.',
  'No abnormal intradural signal or mass is identified.',
  'Prevertebral soft tissues are within normal limits.',
];

/** Writes the findings of one disc level, with a degeneration score of 0 (normal) to 3. */
function levelFindings(random: Random, level: (typeof LEVELS)[number], degeneration: number): { heading: string; body: string; summary: string | undefined } {
  const name = levelName(random, level.upper, level.lower);
  const heading = pick(random, [`${name}:`, `${name}:`, `At ${name},`, `${name} level:`]);
  // After "At L4-L5," the sentence goes on, so its first word is not capitalized.
  const join = (sentences: string[]): string => {
    const body = sentences.join(' ');
    return heading.endsWith(',') && !/^[A-Z]{2}/.test(body) ? body.charAt(0).toLowerCase() + body.slice(1) : body;
  };
  if (degeneration <= 0.3) {
    const body = pick(random, [
      'Normal disc height and hydration. No disc bulge or herniation. The central canal and neural foramina are patent.',
      'Unremarkable.',
      'No significant abnormality. No canal or foraminal stenosis.',
      'The disc is normal. There is no spinal canal stenosis or neural foraminal narrowing, and the facet joints are unremarkable.',
      'Within normal limits.',
      'There is no evidence of disc herniation, canal stenosis or foraminal narrowing.',
      'The disc is preserved. The canal and both foramina are widely patent.',
    ]);
    return { heading, body: join([body]), summary: undefined };
  }

  const sentences: string[] = [];
  const summaryParts: string[] = [];

  const discKind = pick(random, ['bulge', 'bulge', 'protrusion', 'extrusion', 'complex']);
  if (discKind === 'bulge') {
    sentences.push(pick(random, ['There is a broad-based disc bulge', 'Mild diffuse disc bulge', 'There is an annular bulge of the disc', 'Bulging disc']) + (chance(random, 0.4) ? ' with a small annular fissure.' : '.'));
  } else if (discKind === 'protrusion') {
    const where = pick(random, ['left paracentral', 'right paracentral', 'central', 'left foraminal', 'right subarticular']);
    sentences.push(`${pick(random, ['Small', 'Shallow', 'Focal'])} ${where} disc protrusion${chance(random, 0.5) ? ' contacting the traversing nerve root' : ''}.`);
    summaryParts.push(`${where} disc protrusion`);
  } else if (discKind === 'extrusion') {
    const side = pick(random, ['left', 'right']);
    sentences.push(`There is a ${side} paracentral ${pick(random, ['disc extrusion', 'disc herniation', 'herniated disc'])} with caudal migration${chance(random, 0.5) ? `, displacing the traversing ${side} nerve root` : ''}.`);
    summaryParts.push(`${side} paracentral disc extrusion`);
  } else {
    sentences.push('A disc osteophyte complex indents the ventral thecal sac.');
  }

  const facetGrade = gradeFor(random, degeneration);
  if (facetGrade === 0) {
    sentences.push(pick(random, ['The facet joints are normal.', 'No facet arthropathy.']));
  } else {
    const side = pick(random, ['bilateral', 'bilateral', 'left', 'right', '']);
    const facet = pick(random, ['facet arthropathy', 'facet hypertrophy', 'facet arthrosis', 'facet joint degeneration', 'facet osteoarthritis']);
    sentences.push(capitalize(`${severity(random, facetGrade as 1 | 2 | 3)} ${side ? side + ' ' : ''}${facet}${chance(random, 0.3) ? ' with a small joint effusion' : ''}.`));
  }
  if (chance(random, degeneration / 3)) {
    sentences.push(pick(random, ['Ligamentum flavum thickening is present.', 'There is ligamentum flavum hypertrophy.', 'Mild buckling of the ligamentum flavum.', 'Ligamentum flavum infolding contributes to the narrowing.']));
  }
  if (chance(random, 0.05)) sentences.push('There is prominent epidural fat posteriorly.');

  const canalGrade = gradeFor(random, degeneration - 0.4);
  if (canalGrade === 0) {
    sentences.push(pick(random, ['No spinal canal stenosis.', 'The central canal is patent.', 'There is no significant central stenosis.', 'The thecal sac is not narrowed.', 'The spinal canal is free of stenosis.']));
  } else if (chance(random, 0.15)) {
    const millimetres = { 1: 12.5, 2: 10.5, 3: 8 }[canalGrade];
    sentences.push(`The AP diameter of the thecal sac measures ${millimetres} mm.`);
    summaryParts.push(`${severity(random, canalGrade as 1 | 2 | 3)} narrowing of the thecal sac`);
  } else {
    const canal = pick(random, ['spinal canal stenosis', 'central canal stenosis', 'narrowing of the thecal sac', 'spinal stenosis', 'central stenosis']);
    const hedge = chance(random, 0.08) ? pick(random, ['possible ', 'questionable ', 'suspected ']) : '';
    const text = `${hedge}${severity(random, canalGrade as 1 | 2 | 3)} ${canal}`;
    sentences.push(`These findings result in ${text}.`);
    summaryParts.push(text);
  }

  const leftGrade = gradeFor(random, degeneration - 0.2);
  const rightGrade = gradeFor(random, degeneration - 0.2);
  const bilateralForamen = pick(random, ['neural foraminal narrowing', 'foraminal stenosis', 'neural foraminal stenosis', 'foramenal stenosis']);
  const foramen = chance(random, 0.2) ? 'narrowing of the neural foramen' : bilateralForamen;
  if (leftGrade === 0 && rightGrade === 0) {
    sentences.push(pick(random, ['The neural foramina are patent.', 'No foraminal stenosis.', 'No neural foraminal narrowing on either side.', 'Without significant foraminal narrowing.']));
  } else if (leftGrade === rightGrade) {
    const text = `${severity(random, leftGrade as 1 | 2 | 3)} bilateral ${bilateralForamen}`;
    sentences.push(capitalize(`${text}.`));
    summaryParts.push(text);
  } else if (leftGrade === 0 || rightGrade === 0) {
    const side = leftGrade === 0 ? 'right' : 'left';
    const grade = Math.max(leftGrade, rightGrade) as 1 | 2 | 3;
    const text = chance(random, 0.5) ? `${severity(random, grade)} ${side} ${foramen}` : `${severity(random, grade)} ${foramen} on the ${side}`;
    const other = side === 'left' ? 'right' : 'left';
    sentences.push(capitalize(`${text}. The ${other} neural foramen is patent.`));
    summaryParts.push(text);
  } else if (chance(random, 0.5)) {
    const text = `${severity(random, rightGrade as 1 | 2 | 3)} right and ${severity(random, leftGrade as 1 | 2 | 3)} left ${bilateralForamen}`;
    sentences.push(capitalize(`${text}.`));
    summaryParts.push(text);
  } else {
    const worse = leftGrade > rightGrade ? 'left' : 'right';
    const other = worse === 'left' ? 'right' : 'left';
    const text = `${severity(random, Math.max(leftGrade, rightGrade) as 1 | 2 | 3)} bilateral ${bilateralForamen}, ${worse} greater than ${other}`;
    sentences.push(capitalize(`${text}.`));
    summaryParts.push(text);
  }

  const recessGrade = gradeFor(random, degeneration - 1);
  if (recessGrade > 0) {
    const side = pick(random, ['left', 'right', 'bilateral']);
    const recess = pick(random, ['lateral recess stenosis', 'subarticular stenosis', 'subarticular zone narrowing']);
    sentences.push(capitalize(`${severity(random, recessGrade as 1 | 2 | 3)} ${side} ${recess}${chance(random, 0.3) ? ', which may affect the traversing nerve root' : ''}.`));
  }

  return { heading, body: join(sentences), summary: summaryParts.length > 0 ? `${name}: ${summaryParts.join(', ')}` : undefined };
}

/** Writes the impression from the per-level summaries. */
function impression(random: Random, summaries: string[]): string[] {
  if (summaries.length === 0) {
    return [pick(random, ['No significant spinal canal or neural foraminal stenosis at any level.', 'Unremarkable MRI of the lumbar spine.'])];
  }
  const lines = [pick(random, ['Multilevel lumbar spondylosis as detailed above.', 'Degenerative changes of the lumbar spine, most pronounced at the lower levels.', 'Lumbar degenerative disc disease.'])];
  for (const summary of summaries.slice(-3)) lines.push(`${capitalize(summary)}.`);
  if (chance(random, 0.3)) lines.push('No acute fracture or suspicious osseous lesion.');
  return lines;
}

/** Assembles one report; a draft outside 1,500 to 3,000 characters is padded or drawn again. */
export function generateReport(random: Random): string {
  for (;;) {
    const text = draftReport(random);
    if (text.length >= MIN_REPORT_CHARS && text.length <= MAX_REPORT_CHARS) return text;
  }
}

function draftReport(random: Random): string {
  // Degeneration grows towards L5-S1, as it usually does; some studies are mostly normal.
  const overall = random() * 2.6;
  const degenerations = LEVELS.map((_, index) => Math.max(0, overall * (0.35 + index * 0.17) + (random() - 0.5) * 0.8));
  const levels = LEVELS.map((level, index) => levelFindings(random, level, degenerations[index]!));
  const summaries = levels.flatMap((level) => (level.summary === undefined ? [] : [level.summary]));
  const numbered = chance(random, 0.6);
  const upperCase = chance(random, 0.7);
  const colon = chance(random, 0.8);
  // A header is followed by a colon and its text, or is alone on its line.
  const section = (name: string): string => {
    const header = upperCase ? name.toUpperCase() : capitalize(name.toLowerCase());
    return colon ? `${header}:` : header;
  };
  const sectionLine = (name: string, body: string): string => (colon ? `${section(name)} ${body}` : `${section(name)}\n${body}`);

  const parts: string[] = [pick(random, HEADERS), ''];
  parts.push(`${pick(random, HISTORY_HEADERS)} ${pick(random, HISTORIES)}`, '');
  parts.push(sectionLine('TECHNIQUE', pick(random, TECHNIQUES)), '');
  parts.push(sectionLine('COMPARISON', pick(random, COMPARISONS)), '');
  parts.push(section('FINDINGS'));
  const general = shuffle(random, GENERAL_FINDINGS).slice(0, 3 + Math.floor(random() * 3));
  parts.push(general.join(' '), '');
  if (chance(random, 0.4)) parts.push(`${pick(random, ['T12-L1:', 'T12-L1 level:'])} ${pick(random, ['Unremarkable.', 'No disc bulge. No stenosis.'])}`);
  for (const level of levels) parts.push(`${level.heading} ${level.body}`);

  let draft = parts.join('\n');
  const closing = ['', section(pick(random, ['IMPRESSION', 'IMPRESSION', 'CONCLUSION'])), ...impression(random, summaries).map((line, index) => (numbered ? `${index + 1}. ${line}` : line))];
  const closingText = closing.join('\n');
  // Neutral findings pad a short draft, as a radiologist describes what else the field shows.
  const fillers = shuffle(random, FILLER_FINDINGS);
  const targetChars = MIN_REPORT_CHARS + random() * 400;
  while (draft.length + closingText.length + 1 < targetChars && fillers.length > 0) {
    draft += '\n' + fillers.pop()!;
  }
  return `${draft}\n${closingText}\n`;
}

function main(argv: string[]): void {
  const count = Number(argv[0]);
  const seed = Number(argv[1]);
  const out = argv[2];
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(seed) || out === undefined) {
    process.stderr.write('usage: node dist/bench/report-corpus.js COUNT SEED OUT.csv\n');
    process.exitCode = 2;
    return;
  }
  writeCorpusCsv(out, generateCorpus(count, seed));
  process.stdout.write(`${count} reports written to ${out}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));

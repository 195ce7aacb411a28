import { blendPixel, type Rgb, type RgbCanvas } from './canvas.js';

/** Glyph width and height in font pixels. Glyphs are fixed width, with one blank column between them. */
export const glyphWidth = 5;
export const glyphHeight = 7;

/**
 * A 5x7 bitmap font for the overlay labels and legend: upper-case letters, digits and the
 * punctuation of level names and percentages. Each glyph is 7 rows of 5 columns, '#' for ink.
 * Lower-case text is drawn in upper case.
 */
const glyphRows: Readonly<Record<string, string>> = {
  A: '.###. #...# #...# ##### #...# #...# #...#',
  B: '####. #...# #...# ####. #...# #...# ####.',
  C: '.###. #...# #.... #.... #.... #...# .###.',
  D: '####. #...# #...# #...# #...# #...# ####.',
  E: '##### #.... #.... ####. #.... #.... #####',
  F: '##### #.... #.... ####. #.... #.... #....',
  G: '.###. #...# #.... #.### #...# #...# .####',
  H: '#...# #...# #...# ##### #...# #...# #...#',
  I: '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  J: '..### ...#. ...#. ...#. ...#. #..#. .##..',
  K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  L: '#.... #.... #.... #.... #.... #.... #####',
  M: '#...# ##.## #.#.# #.#.# #...# #...# #...#',
  N: '#...# #...# ##..# #.#.# #..## #...# #...#',
  O: '.###. #...# #...# #...# #...# #...# .###.',
  P: '####. #...# #...# ####. #.... #.... #....',
  Q: '.###. #...# #...# #...# #.#.# #..#. .##.#',
  R: '####. #...# #...# ####. #.#.. #..#. #...#',
  S: '.###. #...# #.... .###. ....# #...# .###.',
  T: '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  U: '#...# #...# #...# #...# #...# #...# .###.',
  V: '#...# #...# #...# #...# #...# .#.#. ..#..',
  W: '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  Y: '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  Z: '##### ....# ...#. ..#.. .#... #.... #####',
  '0': '.###. #...# #..## #.#.# ##..# #...# .###.',
  '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '####. ....# ....# .###. ....# ....# ####.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... ####. ....# ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  '-': '..... ..... ..... .###. ..... ..... .....',
  '.': '..... ..... ..... ..... ..... .##.. .##..',
  '%': '##..# ##..# ...#. ..#.. .#... #..## #..##',
  ':': '..... .##.. .##.. ..... .##.. .##.. .....',
  '?': '.###. #...# ....# ...#. ..#.. ..... ..#..',
  ' ': '..... ..... ..... ..... ..... ..... .....',
};

/** Drawn for any character the font lacks, so that a missing glyph is visible rather than blank. */
const missingGlyphRows = '##### #...# #...# #...# #...# #...# #####';

const glyphs = new Map<string, boolean[]>();
for (const [character, rows] of Object.entries(glyphRows)) glyphs.set(character, parseGlyph(character, rows));
const missingGlyph = parseGlyph('missing', missingGlyphRows);

function parseGlyph(character: string, rows: string): boolean[] {
  const ink = rows.replaceAll(' ', '').split('').map((cell) => cell === '#');
  if (ink.length !== glyphWidth * glyphHeight) {
    throw new Error(`bitmap glyph '${character}' has ${ink.length} cells, expected ${glyphWidth * glyphHeight}`);
  }
  return ink;
}

/** Returns the width in canvas pixels of `text` drawn at `scale` canvas pixels per font pixel. */
export function textWidth(text: string, scale: number): number {
  const count = [...text].length;
  return count === 0 ? 0 : (count * (glyphWidth + 1) - 1) * scale;
}

/** Returns the height in canvas pixels of one line of text at `scale`. */
export function textHeight(scale: number): number {
  return glyphHeight * scale;
}

/** Draws one line of text with its top-left corner at (x, y), clipped to the canvas. */
export function drawText(canvas: RgbCanvas, text: string, x: number, y: number, color: Rgb, scale: number): void {
  let left = x;
  for (const character of text) {
    const glyph = glyphs.get(character.toUpperCase()) ?? missingGlyph;
    for (let row = 0; row < glyphHeight; row++) {
      for (let column = 0; column < glyphWidth; column++) {
        if (!glyph[row * glyphWidth + column]) continue;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) blendPixel(canvas, left + column * scale + dx, y + row * scale + dy, color, 1);
        }
      }
    }
    left += (glyphWidth + 1) * scale;
  }
}

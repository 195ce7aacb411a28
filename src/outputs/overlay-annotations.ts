import { segmentationClasses } from '../segmentation/classes.js';
import { drawText, glyphWidth, textHeight, textWidth } from './bitmap-font.js';
import { blendPixel, fillRect, type Rgb, type RgbCanvas } from './canvas.js';

/** Colours of the overlay, exported so that tests and docs can refer to them. */
export const overlayColors = {
  vertebralBody: [70, 130, 255],
  disc: [0, 220, 120],
  text: [235, 245, 255],
  warning: [255, 190, 0],
  textBackground: [0, 0, 0],
} as const satisfies Record<string, Rgb>;

/** A rectangle in output pixels whose top-left corner is (x, y). */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A disc label to draw, with the disc centre in output pixel coordinates. */
export interface PlacedDisc {
  readonly name: string;
  readonly confidence: number;
  readonly x: number;
  readonly y: number;
}

/** Opacity of the dark boxes behind text. */
const textBackgroundOpacity = 0.6;

/** Formats a disc label, e.g. "L4-L5 92%", or "L5-S1? 31%" below the confidence threshold. */
export function discLabelText(disc: { readonly name: string; readonly confidence: number }, lowConfidence = 0.5): string {
  const mark = disc.confidence < lowConfidence ? '?' : '';
  // Rounded down, so that a name marked with '?' never shows 50 %.
  return `${disc.name.toUpperCase()}${mark} ${Math.floor(disc.confidence * 100 + 1e-9)}%`;
}

/**
 * Marks each disc centre and writes its label on a dark box just posterior (right) of the disc in
 * `raster`, so the text does not cover it. A box is pushed down where it would overlap the one
 * above. Returns the boxes drawn, in the order of `placed`.
 */
export function drawDiscLabels(
  canvas: RgbCanvas,
  raster: Uint8Array,
  placed: readonly PlacedDisc[],
  scale: number,
  reachPx: number,
  lowConfidence: number,
): Box[] {
  const padding = scale;
  const boxHeight = textHeight(scale) + 2 * padding;
  const boxes = new Array<Box>(placed.length);
  let previousBottom = -Infinity;
  const topToBottom = placed.map((disc, index) => ({ disc, index })).sort((a, b) => a.disc.y - b.disc.y);
  for (const { disc, index } of topToBottom) {
    const color = disc.confidence < lowConfidence ? overlayColors.warning : overlayColors.text;
    const text = discLabelText(disc, lowConfidence);
    const centerX = Math.round(disc.x);
    const centerY = Math.round(disc.y);
    drawMarker(canvas, centerX, centerY, scale, color);

    const boxWidth = textWidth(text, scale) + 2 * padding;
    const edge = posteriorEdge(raster, canvas.width, canvas.height, centerX, centerY, reachPx, 2 * scale);
    const left = Math.max(0, Math.min(canvas.width - boxWidth, edge + 2 * scale));
    let top = Math.max(0, Math.min(canvas.height - boxHeight, centerY - Math.floor(boxHeight / 2)));
    if (top <= previousBottom) top = previousBottom + 1;
    previousBottom = top + boxHeight - 1;
    fillRect(canvas, left, top, boxWidth, boxHeight, overlayColors.textBackground, textBackgroundOpacity);
    drawText(canvas, text, left + padding, top + padding, color, scale);
    boxes[index] = { x: left, y: top, width: boxWidth, height: boxHeight };
  }
  return boxes;
}

/** Draws a small cross at the disc centre. */
function drawMarker(canvas: RgbCanvas, x: number, y: number, scale: number, color: Rgb): void {
  for (let d = -2 * scale; d <= 2 * scale; d++) {
    blendPixel(canvas, x + d, y, color, 1);
    blendPixel(canvas, x, y + d, color, 1);
  }
}

/**
 * Returns the column of the last disc pixel on the row through the centre, walking right
 * (posterior) until `gapPx` pixels pass without disc. Without any disc pixel it returns `x`.
 */
function posteriorEdge(raster: Uint8Array, width: number, height: number, x: number, y: number, reachPx: number, gapPx: number): number {
  if (y < 0 || y >= height) return x;
  let edge = x;
  const end = Math.min(width, x + Math.ceil(reachPx));
  for (let column = Math.max(0, x); column < end; column++) {
    if (raster[y * width + column] === segmentationClasses.disc) edge = column;
    else if (column - edge > gapPx) break;
  }
  return edge;
}

interface LegendEntry {
  readonly text: string;
  readonly color: Rgb;
  readonly swatch: Rgb | null;
}

/**
 * Draws the colour key, with the low-confidence line when `lowConfidence` is set, in the corner
 * where it covers no disc label and the fewest labelled pixels (top-left on ties). Returns its box.
 */
export function drawLegend(canvas: RgbCanvas, raster: Uint8Array, labelBoxes: readonly Box[], scale: number, lowConfidence: number | null): Box {
  const entries: LegendEntry[] = [
    { text: 'VERTEBRAL BODY', color: overlayColors.text, swatch: overlayColors.vertebralBody },
    { text: 'DISC', color: overlayColors.text, swatch: overlayColors.disc },
  ];
  if (lowConfidence !== null) {
    entries.push({ text: `?: CONFIDENCE UNDER ${Math.round(lowConfidence * 100)}%`, color: overlayColors.warning, swatch: null });
  }
  const lineHeight = textHeight(scale) + 2 * scale;
  const swatchSize = textHeight(scale);
  const swatchTextOffset = swatchSize + (glyphWidth - 1) * scale;
  const innerWidth = Math.max(...entries.map((entry) => (entry.swatch === null ? 0 : swatchTextOffset) + textWidth(entry.text, scale)));
  const box = chooseCorner(canvas, raster, labelBoxes, innerWidth + 2 * scale, entries.length * lineHeight + scale, 2 * scale);

  fillRect(canvas, box.x, box.y, box.width, box.height, overlayColors.textBackground, textBackgroundOpacity);
  entries.forEach((entry, index) => {
    const left = box.x + scale;
    const top = box.y + scale + index * lineHeight;
    if (entry.swatch === null) {
      drawText(canvas, entry.text, left, top, entry.color, scale);
      return;
    }
    fillRect(canvas, left, top, swatchSize, swatchSize, entry.swatch, 1);
    drawText(canvas, entry.text, left + swatchTextOffset, top, entry.color, scale);
  });
  return box;
}

function chooseCorner(canvas: RgbCanvas, raster: Uint8Array, labelBoxes: readonly Box[], width: number, height: number, margin: number): Box {
  const right = Math.max(0, canvas.width - width - margin);
  const bottom = Math.max(0, canvas.height - height - margin);
  const corners: Box[] = [
    { x: margin, y: margin, width, height },
    { x: margin, y: bottom, width, height },
    { x: right, y: margin, width, height },
    { x: right, y: bottom, width, height },
  ];
  let best = corners[0]!;
  let bestScore = Infinity;
  for (const corner of corners) {
    // Covering a disc label outweighs any number of labelled pixels.
    const labelOverlap = labelBoxes.reduce((sum, box) => sum + overlapArea(corner, box), 0);
    const score = labelOverlap * canvas.width * canvas.height + labelledPixels(raster, canvas.width, canvas.height, corner);
    if (score < bestScore) {
      best = corner;
      bestScore = score;
    }
  }
  return best;
}

function overlapArea(a: Box, b: Box): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return width > 0 && height > 0 ? width * height : 0;
}

function labelledPixels(raster: Uint8Array, width: number, height: number, box: Box): number {
  let count = 0;
  for (let y = Math.max(0, box.y); y < Math.min(height, box.y + box.height); y++) {
    for (let x = Math.max(0, box.x); x < Math.min(width, box.x + box.width); x++) if (raster[y * width + x] !== 0) count++;
  }
  return count;
}

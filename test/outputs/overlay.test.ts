import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from 'fast-png';
import type { Vec3 } from '../../src/geometry/affine.js';
import { toSagittalLayout } from '../../src/geometry/reorient.js';
import { makeVolume, type Volume } from '../../src/geometry/volume.js';
import { discLabelText, overlayColors, overlaySliceIndex, renderOverlay, renderOverlayPng, type OverlayDisc } from '../../src/outputs/overlay.js';

/**
 * A lumbar phantom stored the way an axial stack would be: i along LPS x (left, 4 mm), j along y
 * (posterior, 1 mm) and k along z (superior, 2 mm). The overlay has to reorient it and make the
 * pixels square. Discs (label 2) are 8 mm thick around z = 25, 55 and 85 mm. Vertebral bodies
 * (label 1) fill the bands between them. Both span y = 12-52 mm and every x. A bright block in the
 * posterior-inferior corner exists only on the x = -8 mm plane.
 */
const grid = { size: [9, 100, 60] as [number, number, number], spacing: [4, 1, 2] as const, origin: [-16, 0, 0] as const };
const discCentersZ = [25, 55, 85];
const markerPlaneX = -8;

function inDisc(y: number, z: number): boolean {
  return y >= 15 && y <= 50 && discCentersZ.some((center) => Math.abs(z - center) <= 4);
}

function inVertebra(y: number, z: number): boolean {
  return y >= 12 && y <= 52 && !inDisc(y, z) && discCentersZ.every((center) => Math.abs(z - center) > 6);
}

function inMarker(x: number, y: number, z: number): boolean {
  return x === markerPlaneX && y >= 80 && y <= 95 && z >= 4 && z <= 16;
}

function phantom(): { image: Volume<Float32Array>; labels: Volume<Uint8Array> } {
  const [nx, ny, nz] = grid.size;
  const [sx, sy, sz] = grid.spacing;
  const affine = [sx, 0, 0, grid.origin[0], 0, sy, 0, grid.origin[1], 0, 0, sz, grid.origin[2], 0, 0, 0, 1];
  const image = new Float32Array(nx * ny * nz);
  const labels = new Uint8Array(nx * ny * nz);
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const [x, y, z] = [grid.origin[0] + i * sx, grid.origin[1] + j * sy, grid.origin[2] + k * sz];
        const index = i + nx * (j + ny * k);
        if (inDisc(y, z)) {
          image[index] = 200;
          labels[index] = 2;
        } else if (inVertebra(y, z)) {
          image[index] = 120;
          labels[index] = 1;
        } else {
          image[index] = inMarker(x, y, z) ? 200 : 20;
        }
      }
    }
  }
  return { image: makeVolume(grid.size, affine, image), labels: makeVolume(grid.size, affine, labels) };
}

interface Decoded {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray | Uint16Array;
  readonly channels: number;
}

function render(discs: OverlayDisc[]): Decoded {
  const { image, labels } = phantom();
  return decode(renderOverlayPng(image, labels, discs));
}

function rgbAt(png: Decoded, x: number, y: number): [number, number, number] {
  const offset = (Math.round(y) * png.width + Math.round(x)) * png.channels;
  return [png.data[offset]!, png.data[offset + 1]!, png.data[offset + 2]!];
}

/** Output pixel of an LPS point (y posterior, z superior), from the phantom's field of view. */
function pixelOf(png: Decoded, y: number, z: number): [number, number] {
  const [, ny, nz] = grid.size;
  const [, sy, sz] = grid.spacing;
  const topZ = grid.origin[2] + (nz - 1) * sz;
  const column = ((y - grid.origin[1] + sy / 2) / (ny * sy)) * png.width - 0.5;
  const row = ((topZ - z + sz / 2) / (nz * sz)) * png.height - 0.5;
  return [column, row];
}

function countColor(png: Decoded, color: readonly number[], x0: number, x1: number, y0: number, y1: number): number {
  let count = 0;
  for (let y = Math.max(0, Math.round(y0)); y <= Math.min(png.height - 1, Math.round(y1)); y++) {
    for (let x = Math.max(0, Math.round(x0)); x <= Math.min(png.width - 1, Math.round(x1)); x++) {
      const [r, g, b] = rgbAt(png, x, y);
      if (r === color[0] && g === color[1] && b === color[2]) count++;
    }
  }
  return count;
}

const discs: OverlayDisc[] = [
  { name: 'L3-L4', center: [0, 32.5, 85], confidence: 0.93 },
  { name: 'L4-L5', center: [0, 32.5, 55], confidence: 0.88 },
  { name: 'L5-S1', center: [0, 32.5, 25], confidence: 0.31 },
];

test('overlay PNG has square pixels and at least 512 rows', () => {
  const png = render(discs);
  assert.equal(png.channels, 3);
  assert.ok(png.height >= 512, `height ${png.height}`);
  // Field of view: 100 mm wide (y) by 120 mm high (z).
  assert.ok(Math.abs(png.width / png.height - 100 / 120) < 0.01, `size ${png.width}x${png.height}`);
});

test('overlay tints discs and vertebrae with head up and anterior left', () => {
  const png = render(discs);
  // Anterior part of the L4-L5 disc, away from the centre marker.
  const [r, g, b] = rgbAt(png, ...pixelOf(png, 20, 55));
  assert.ok(g > r + 40, `disc pixel ${[r, g, b]} is not tinted green`);
  assert.ok(g > b, `disc pixel ${[r, g, b]} is not tinted green`);
  const vertebra = rgbAt(png, ...pixelOf(png, 20, 70));
  assert.ok(vertebra[2] > vertebra[1], `vertebra pixel ${vertebra} is not tinted blue`);
  assert.ok(vertebra[1] > vertebra[0], `vertebra pixel ${vertebra} is not tinted blue`);
  // Mirror positions (posterior y = 80 mm, z = 63 mm) hold no label.
  const background = rgbAt(png, ...pixelOf(png, 80, 63));
  assert.equal(background[0], background[1]);
  assert.equal(background[1], background[2]);
});

test('overlay outlines discs with the opaque disc colour', () => {
  const png = render(discs);
  const [x, top] = pixelOf(png, 20, 59);
  const [, bottom] = pixelOf(png, 20, 51);
  assert.ok(countColor(png, overlayColors.disc, x, x, top - 3, bottom + 3) >= 2);
});

test('overlay writes each name posterior to its disc', () => {
  const png = render(discs);
  for (const disc of discs.slice(0, 2)) {
    const [, row] = pixelOf(png, 0, disc.center[2]);
    const [discPosterior] = pixelOf(png, 50, 0);
    const [discAnterior] = pixelOf(png, 15, 0);
    const [centerX] = pixelOf(png, disc.center[1], 0);
    const beside = countColor(png, overlayColors.text, discPosterior + 1, discPosterior + 200, row - 12, row + 12);
    assert.ok(beside > 30, `${disc.name}: ${beside} text pixels beside the disc`);
    // Only the centre marker (arms of 4 px) may use the text colour over the disc.
    const over = countColor(png, overlayColors.text, discAnterior, centerX - 6, row - 12, row + 12);
    assert.equal(over, 0, `${disc.name}: text covers the disc`);
  }
});

test('overlay draws low-confidence names in the warning colour', () => {
  const png = render(discs);
  const [, row] = pixelOf(png, 0, 25);
  const [discPosterior] = pixelOf(png, 50, 0);
  assert.ok(countColor(png, overlayColors.warning, discPosterior + 1, discPosterior + 200, row - 12, row + 12) > 30);
  assert.equal(countColor(png, overlayColors.text, discPosterior + 1, discPosterior + 200, row - 12, row + 12), 0);
  assert.equal(discLabelText(discs[2]!), 'L5-S1? 31%');
  assert.equal(discLabelText(discs[0]!), 'L3-L4 93%');
  // Rounded down: a marked name never shows 50 %.
  assert.equal(discLabelText({ name: 'L5-S1', confidence: 0.497 }), 'L5-S1? 49%');
  assert.equal(discLabelText({ name: 'L4-L5', confidence: 0.5 }), 'L4-L5 50%');
});

test('overlay legend avoids the disc labels', () => {
  const { image, labels } = phantom();
  const overlay = renderOverlay(image, labels, discs);
  const png = decode(renderOverlayPng(image, labels, discs));
  const legend = overlay.legendBox;
  for (const box of overlay.discLabelBoxes) {
    const apart = box.x >= legend.x + legend.width || legend.x >= box.x + box.width || box.y >= legend.y + legend.height || legend.y >= box.y + box.height;
    assert.ok(apart, `legend ${JSON.stringify(legend)} overlaps label ${JSON.stringify(box)}`);
  }
  const inLegend = (color: readonly number[]): number => countColor(png, color, legend.x, legend.x + legend.width - 1, legend.y, legend.y + legend.height - 1);
  // Swatches are squares one text line high: 14 px at text scale 2.
  assert.ok(inLegend(overlayColors.vertebralBody) >= 14 * 14);
  assert.ok(inLegend(overlayColors.disc) >= 14 * 14);
  assert.ok(inLegend(overlayColors.text) > 50);
  assert.ok(inLegend(overlayColors.warning) > 50);
});

test('overlay legend omits the warning line without low confidence', () => {
  const { image, labels } = phantom();
  const confident = discs.map((disc) => ({ ...disc, confidence: 0.9 }));
  const overlay = renderOverlay(image, labels, confident);
  const withWarning = renderOverlay(image, labels, discs);
  assert.ok(overlay.legendBox.height < withWarning.legendBox.height);
  const png = { ...overlay, channels: 3 };
  assert.equal(countColor(png, overlayColors.warning, 0, png.width - 1, 0, png.height - 1), 0);
});

test('overlay plane follows the median disc x', () => {
  const at = (x: number): Vec3[] => [
    [x, 32.5, 85],
    [x, 32.5, 55],
    [12, 32.5, 25],
  ];
  const onMarker = render(at(markerPlaneX).map((center, n) => ({ name: discs[n]!.name, center, confidence: 0.9 })));
  const [markerX, markerY] = pixelOf(onMarker, 87, 10);
  assert.deepEqual(rgbAt(onMarker, markerX, markerY), [255, 255, 255]);
  const offMarker = render(at(8).map((center, n) => ({ name: discs[n]!.name, center, confidence: 0.9 })));
  assert.deepEqual(rgbAt(offMarker, markerX, markerY), [0, 0, 0]);
});

test('overlaySliceIndex takes the median lateral index', () => {
  const { volume } = toSagittalLayout(phantom().image);
  const disc = (x: number): { center: Vec3 } => ({ center: [x, 40, 50] });
  // In the sagittal layout k runs right to left, which is LPS +x: x = -16 + 4 k.
  assert.equal(overlaySliceIndex(volume, [disc(-8), disc(4), disc(8)]), 5);
  assert.equal(overlaySliceIndex(volume, [disc(-8), disc(8)]), 4);
  assert.equal(overlaySliceIndex(volume, [disc(-100)]), 0);
  assert.equal(overlaySliceIndex(volume, []), 4);
});

test('overlay draws the middle plane without discs', () => {
  const png = render([]);
  assert.ok(png.height >= 512);
  const [r, g, b] = rgbAt(png, ...pixelOf(png, 20, 55));
  assert.ok(g > r + 40, `disc pixel ${[r, g, b]}`);
  assert.ok(g > b, `disc pixel ${[r, g, b]}`);
});

test('overlay rejects labels on another grid', () => {
  const { image } = phantom();
  const labels = makeVolume([9, 100, 30], image.affine, new Uint8Array(9 * 100 * 30));
  assert.throws(() => renderOverlayPng(image, labels, discs), (error: unknown) => error instanceof RangeError && /not on the image grid/.test(error.message));
});

test('overlay rejects out-of-range options', () => {
  const { image, labels } = phantom();
  assert.throws(() => renderOverlayPng(image, labels, discs, { minHeight: 0 }), RangeError);
  assert.throws(() => renderOverlayPng(image, labels, discs, { maxSize: 100 }), RangeError);
  assert.throws(() => renderOverlayPng(image, labels, discs, { fillOpacity: 2 }), RangeError);
  assert.throws(() => renderOverlayPng(image, labels, discs, { lowConfidence: Number.NaN }), RangeError);
  assert.equal(renderOverlay(image, labels, discs, { minHeight: undefined }).height, 512);
});

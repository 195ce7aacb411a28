/** An 8-bit RGB colour. */
export type Rgb = readonly [number, number, number];

/** An 8-bit RGB raster, row-major from the top-left pixel, 3 bytes per pixel. */
export interface RgbCanvas {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export function createCanvas(width: number, height: number): RgbCanvas {
  return { width, height, data: new Uint8Array(width * height * 3) };
}

/** Mixes `color` into pixel (x, y) with opacity `alpha` in [0, 1]. Pixels outside the canvas are left out. */
export function blendPixel(canvas: RgbCanvas, x: number, y: number, color: Rgb, alpha: number): void {
  if (x < 0 || y < 0 || x >= canvas.width || y >= canvas.height) return;
  const offset = (y * canvas.width + x) * 3;
  const data = canvas.data;
  for (let channel = 0; channel < 3; channel++) {
    data[offset + channel] = Math.round(data[offset + channel]! * (1 - alpha) + color[channel]! * alpha);
  }
}

/** Mixes `color` into the rectangle with top-left corner (x, y), clipped to the canvas. */
export function fillRect(canvas: RgbCanvas, x: number, y: number, width: number, height: number, color: Rgb, alpha: number): void {
  const x0 = Math.max(0, Math.floor(x));
  const y0 = Math.max(0, Math.floor(y));
  const x1 = Math.min(canvas.width, Math.floor(x + width));
  const y1 = Math.min(canvas.height, Math.floor(y + height));
  for (let row = y0; row < y1; row++) {
    for (let column = x0; column < x1; column++) blendPixel(canvas, column, row, color, alpha);
  }
}

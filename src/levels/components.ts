import type { Volume } from '../geometry/volume.js';

/** A connected region of one label value with its voxel indices. */
export interface Component {
  readonly label: number;
  /** Flat voxel indices (i + nx * (j + ny * k)) of the component. */
  readonly voxels: Int32Array;
}

/**
 * Labels the 6-connected components of every voxel equal to `label`. Components smaller than
 * `minVoxels` are dropped. Returns components sorted by size, largest first.
 */
export function connectedComponents(volume: Volume, label: number, minVoxels = 1): Component[] {
  const [nx, ny, nz] = volume.size;
  const data = volume.data;
  const visited = new Uint8Array(data.length);
  const stack = new Int32Array(data.length);
  const components: Component[] = [];
  const plane = nx * ny;
  for (let seed = 0; seed < data.length; seed++) {
    if (visited[seed] || data[seed] !== label) continue;
    let top = 0;
    let count = 0;
    const members: number[] = [];
    stack[top++] = seed;
    visited[seed] = 1;
    while (top > 0) {
      const index = stack[--top]!;
      members.push(index);
      count++;
      const i = index % nx;
      const j = Math.floor(index / nx) % ny;
      const k = Math.floor(index / plane);
      const neighbours = [
        i > 0 ? index - 1 : -1,
        i < nx - 1 ? index + 1 : -1,
        j > 0 ? index - nx : -1,
        j < ny - 1 ? index + nx : -1,
        k > 0 ? index - plane : -1,
        k < nz - 1 ? index + plane : -1,
      ];
      for (const next of neighbours) {
        if (next >= 0 && !visited[next] && data[next] === label) {
          visited[next] = 1;
          stack[top++] = next;
        }
      }
    }
    if (count >= minVoxels) components.push({ label, voxels: Int32Array.from(members) });
  }
  return components.sort((a, b) => b.voxels.length - a.voxels.length);
}

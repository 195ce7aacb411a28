import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultSegmentationModelPath, loadSegmentationModel, packageRoot } from '../../src/segmentation/model.js';

const parityDir = join(packageRoot, 'models', 'segmentation', 'parity');

function readFloats(path: string): Float32Array {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

describe('shipped segmentation model', () => {
  it('matches PyTorch within 1e-4', async () => {
    assert.ok(existsSync(defaultSegmentationModelPath), `${defaultSegmentationModelPath} is missing`);
    assert.ok(existsSync(join(parityDir, 'input.f32')), `${parityDir} is missing; export the model with --parity`);
    const shapes = JSON.parse(readFileSync(join(parityDir, 'shapes.json'), 'utf8')) as { input: number[]; expected: number[] };
    const input = readFloats(join(parityDir, 'input.f32'));
    const expected = readFloats(join(parityDir, 'expected.f32'));
    const model = await loadSegmentationModel();
    try {
      const [count, , height, width] = shapes.input as [number, number, number, number];
      const actual = await model.run(input, count, height, width);
      assert.equal(actual.length, expected.length);
      let maxDifference = 0;
      for (let index = 0; index < actual.length; index++) maxDifference = Math.max(maxDifference, Math.abs(actual[index]! - expected[index]!));
      assert.ok(maxDifference < 1e-4, `max difference ${maxDifference}`);
    } finally {
      await model.release();
    }
  });
});

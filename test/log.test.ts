import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, printable } from '../src/log.js';

test('printable escapes control characters', () => {
  assert.equal(printable('T2\u001b[2J SAG\nerror: x\r\u0007'), 'T2\\x1b[2J SAG\\x0aerror: x\\x0d\\x07');
  assert.equal(printable('tab\tand ü stay'), 'tab\tand ü stay');
});

test('logger writes one line per message', () => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', write: (line) => lines.push(line) });

  logger.warn('skipped a\nerror: forged.dcm');
  logger.info('series "T2\u001b[31m"');

  assert.deepEqual(lines, ['warn: skipped a\\x0aerror: forged.dcm', 'series "T2\\x1b[31m"']);
});

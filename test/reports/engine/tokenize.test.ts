import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lexiconFor, loadRules } from '../../../src/reports/rules.js';
import { TokenKind, TokenStream, splitPhrase, tokenize } from '../../../src/reports/tokenize.js';
import { NEWLINE_ID, NUMBER_ID, UNKNOWN_WORD } from '../../../src/reports/vocabulary.js';

const lexicon = lexiconFor(loadRules());
const vocabulary = lexicon.vocabulary;

function tokensOf(text: string): { kind: number; text: string; id: number; value: number }[] {
  const stream = tokenize(text, vocabulary, new TokenStream());
  const tokens = [];
  for (let index = 0; index < stream.count; index++) {
    tokens.push({
      kind: stream.kind[index]!,
      text: text.slice(stream.start[index], stream.end[index]),
      id: stream.id[index]!,
      value: stream.value[index]!,
    });
  }
  return tokens;
}

describe('tokenize', () => {
  it('splits letters from digits', () => {
    assert.deepEqual(
      tokensOf('L4-5 8mm').map((token) => token.text),
      ['L', '4', '-', '5', '8', 'mm'],
    );
  });

  it('keeps offsets into the original text', () => {
    const text = '  Mild\tstenosis,\r\nL5–S1.';
    const stream = tokenize(text, vocabulary, new TokenStream());
    const slices = [];
    for (let index = 0; index < stream.count; index++) slices.push(text.slice(stream.start[index], stream.end[index]));
    assert.deepEqual(slices, ['Mild', 'stenosis', ',', '\r\n', 'L', '5', '–', 'S', '1', '.']);
  });

  it('gives known words their id in any case', () => {
    const [upper, lower, mixed] = tokensOf('STENOSIS stenosis Stenosis');
    assert.equal(upper!.id, vocabulary.get('stenosis'));
    assert.equal(lower!.id, vocabulary.get('stenosis'));
    assert.equal(mixed!.id, vocabulary.get('stenosis'));
    assert.notEqual(upper!.id, UNKNOWN_WORD);
  });

  it('reads misspellings as the correct word', () => {
    const [foraminal, arthropathy, neural, facet] = tokensOf('foramenal arthopathy nueral facett');
    assert.equal(foraminal!.id, vocabulary.get('foraminal'));
    assert.equal(arthropathy!.id, vocabulary.get('arthropathy'));
    assert.equal(neural!.id, vocabulary.get('neural'));
    assert.equal(facet!.id, vocabulary.get('facet'));
  });

  it('marks unknown words', () => {
    assert.equal(tokensOf('spondylolisthesis')[0]!.id, UNKNOWN_WORD);
  });

  it('reads every dash as a hyphen', () => {
    for (const dash of ['-', '\u2010', '\u2013', '\u2014', '\u2212']) {
      assert.equal(tokensOf(dash)[0]!.id, lexicon.ids.dash, `dash U+${dash.charCodeAt(0).toString(16)}`);
    }
  });

  it('reads decimal numbers but not list numbers', () => {
    const decimal = tokensOf('10.5 mm');
    assert.equal(decimal[0]!.kind, TokenKind.Number);
    assert.equal(decimal[0]!.id, NUMBER_ID);
    assert.equal(decimal[0]!.value, 10.5);
    const list = tokensOf('1. Mild');
    assert.deepEqual(
      list.map((token) => token.text),
      ['1', '.', 'Mild'],
    );
    assert.equal(list[0]!.value, 1);
  });

  it('keeps apostrophes inside words', () => {
    assert.deepEqual(
      tokensOf("patient's patient’s").map((token) => token.text),
      ["patient's", 'patient’s'],
    );
    assert.equal(tokensOf('can’t')[0]!.id, tokensOf("can't")[0]!.id);
  });

  it('emits one token per line break', () => {
    const tokens = tokensOf('a\r\nb\nc\rd');
    assert.deepEqual(
      tokens.filter((token) => token.kind === TokenKind.Newline).map((token) => token.text),
      ['\r\n', '\n', '\r'],
    );
    assert.ok(tokens.filter((token) => token.kind === TokenKind.Newline).every((token) => token.id === NEWLINE_ID));
  });

  it('keeps a lone surrogate apart', () => {
    assert.deepEqual(
      tokensOf('\ud800L4 \ud83d\ude00x').map((token) => token.text),
      ['\ud800', 'L', '4', '\ud83d\ude00', 'x'],
    );
  });

  it('treats non-ASCII letters as letters', () => {
    assert.deepEqual(
      tokensOf('Sténose İL4').map((token) => token.text),
      ['Sténose', 'İL', '4'],
    );
  });

  it('splits phrases the same way', () => {
    assert.deepEqual(splitPhrase('High-grade  Left > Right'), ['high', '-', 'grade', 'left', '>', 'right']);
    assert.deepEqual(splitPhrase('disc/osteophyte’s'), ['disc', '/', "osteophyte's"]);
  });
});

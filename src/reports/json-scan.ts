/**
 * A small JSON scanner for JSONL lines. It finds the first syntax error of a line that JSON.parse
 * rejected, without quoting report text, and returns a top-level member exactly as written, so a
 * numeric id keeps digits that JSON.parse would round.
 */

/** The first syntax error of a JSON text: its 1-based column in UTF-16 code units and the kind of problem. */
export interface JsonSyntaxError {
  /** Absent when the scanner accepts a text that JSON.parse rejected. */
  column?: number;
  problem: string;
}

class JsonScanFailure {
  constructor(
    readonly problem: string,
    readonly position: number,
  ) {}
}

/**
 * A JSON scanner (RFC 8259) that checks the syntax without building values. It finds where a line
 * that JSON.parse rejected goes wrong without quoting any of it, and the written text of a value.
 */
class JsonScanner {
  position = 0;

  constructor(private readonly text: string) {}

  /** Scans one value followed only by whitespace. `onMember` gets each member of the outermost object. */
  document(onMember?: (key: string, start: number, end: number) => void): void {
    this.skipWhitespace();
    this.value(0, onMember);
    this.skipWhitespace();
    if (this.position < this.text.length) this.fail('unexpected characters after the JSON value');
  }

  private fail(problem: string): never {
    throw new JsonScanFailure(problem, this.position);
  }

  private skipWhitespace(): void {
    while (this.position < this.text.length && ' \t\n\r'.includes(this.text[this.position]!)) this.position++;
  }

  private value(depth: number, onMember?: (key: string, start: number, end: number) => void): void {
    if (this.position >= this.text.length) this.fail('unexpected end of the line');
    const character = this.text[this.position]!;
    if (character === '{') this.object(depth, onMember);
    else if (character === '[') this.array(depth);
    else if (character === '"') this.string();
    else if (character === '-' || (character >= '0' && character <= '9')) this.number();
    else this.literal();
  }

  private object(depth: number, onMember?: (key: string, start: number, end: number) => void): void {
    this.position++;
    this.skipWhitespace();
    if (this.text[this.position] === '}') {
      this.position++;
      return;
    }
    for (;;) {
      if (this.text[this.position] !== '"') this.fail(this.position >= this.text.length ? 'unexpected end of the line' : 'expected a property name in double quotes');
      const keyStart = this.position;
      this.string();
      const keyEnd = this.position;
      this.skipWhitespace();
      if (this.text[this.position] !== ':') this.fail("expected ':' after a property name");
      this.position++;
      this.skipWhitespace();
      const valueStart = this.position;
      this.value(depth + 1);
      if (depth === 0 && onMember !== undefined) onMember(JSON.parse(this.text.slice(keyStart, keyEnd)) as string, valueStart, this.position);
      this.skipWhitespace();
      const separator = this.text[this.position];
      this.position++;
      if (separator === '}') return;
      if (separator !== ',') {
        this.position--;
        this.fail(separator === undefined ? 'unexpected end of the line' : "expected ',' or '}' after a property value");
      }
      this.skipWhitespace();
    }
  }

  private array(depth: number): void {
    this.position++;
    this.skipWhitespace();
    if (this.text[this.position] === ']') {
      this.position++;
      return;
    }
    for (;;) {
      this.value(depth + 1);
      this.skipWhitespace();
      const separator = this.text[this.position];
      this.position++;
      if (separator === ']') return;
      if (separator !== ',') {
        this.position--;
        this.fail(separator === undefined ? 'unexpected end of the line' : "expected ',' or ']' after an array element");
      }
      this.skipWhitespace();
    }
  }

  private string(): void {
    const start = this.position;
    this.position++;
    while (this.position < this.text.length) {
      const code = this.text.charCodeAt(this.position);
      if (code === 0x22) {
        this.position++;
        return;
      }
      if (code < 0x20) this.fail('control character inside a string');
      if (code === 0x5c) {
        const escape = this.text[this.position + 1];
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.position + 2, this.position + 6))) this.fail('invalid \\u escape in a string');
          this.position += 6;
          continue;
        }
        if (escape === undefined || !'"\\/bfnrt'.includes(escape)) this.fail('invalid escape sequence in a string');
        this.position += 2;
        continue;
      }
      this.position++;
    }
    this.position = start;
    this.fail('string not closed before the end of the line');
  }

  private number(): void {
    const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    match.lastIndex = this.position;
    if (!match.test(this.text)) this.fail('invalid number');
    const end = match.lastIndex;
    // A digit, point or exponent right after the match ("01", "1.", "1e") makes the number invalid.
    if (end < this.text.length && /[0-9.eE+-]/.test(this.text[end]!)) {
      this.position = end;
      this.fail('invalid number');
    }
    this.position = end;
  }

  private literal(): void {
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.position)) {
        this.position += word.length;
        return;
      }
    }
    this.fail('unexpected character');
  }
}

/** Finds the first syntax error of a line that JSON.parse rejected, without quoting the line. */
export function findJsonSyntaxError(text: string): JsonSyntaxError {
  try {
    new JsonScanner(text).document();
  } catch (error) {
    if (error instanceof JsonScanFailure) return { column: error.position + 1, problem: error.problem };
    if (error instanceof RangeError) return { problem: 'arrays or objects nested too deeply' };
    throw error;
  }
  return { problem: 'rejected by JSON.parse' };
}

/**
 * Returns the text of the outermost object's member `key` as written in `text`, which must be valid
 * JSON. The last member wins when the key repeats, as in JSON.parse.
 */
export function rawTopLevelValue(text: string, key: string): string | undefined {
  let written: string | undefined;
  try {
    new JsonScanner(text).document((name, start, end) => {
      if (name === key) written = text.slice(start, end);
    });
  } catch (error) {
    if (error instanceof JsonScanFailure || error instanceof RangeError) return undefined;
    throw error;
  }
  return written;
}

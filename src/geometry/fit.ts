/** Small numeric helpers shared by level finding and slice grading. */

/** Returns the median of the values, or 0 for an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Least-squares polynomial coefficients (constant first) of y over x, by the normal equations. */
export function fitPolynomial(x: readonly number[], y: readonly number[], degree: number): number[] {
  const size = degree + 1;

  // Centring x keeps the normal equations well conditioned for positions in mm.
  const offset = x.reduce((a, b) => a + b, 0) / x.length;
  const matrix = Array.from({ length: size }, () => new Array<number>(size + 1).fill(0));
  x.forEach((value, n) => {
    const u = value - offset;
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) matrix[r]![c]! += u ** (r + c);
      matrix[r]![size]! += y[n]! * u ** r;
    }
  });

  // Gauss-Jordan elimination with partial pivoting.
  for (let col = 0; col < size; col++) {
    let pivot = col;
    for (let r = col + 1; r < size; r++) if (Math.abs(matrix[r]![col]!) > Math.abs(matrix[pivot]![col]!)) pivot = r;
    [matrix[col], matrix[pivot]] = [matrix[pivot]!, matrix[col]!];
    const lead = matrix[col]![col]!;
    if (Math.abs(lead) < 1e-12) continue;
    for (let c = col; c <= size; c++) matrix[col]![c]! /= lead;
    for (let r = 0; r < size; r++) {
      if (r === col) continue;
      const factor = matrix[r]![col]!;
      for (let c = col; c <= size; c++) matrix[r]![c]! -= factor * matrix[col]![c]!;
    }
  }

  const centred = matrix.map((row) => row[size]!);
  // Expand the polynomial in (x - offset) back into powers of x.
  const coefficients = new Array<number>(size).fill(0);
  centred.forEach((c, power) => {
    for (let k = 0; k <= power; k++) coefficients[k]! += c * binomial(power, k) * (-offset) ** (power - k);
  });
  return coefficients;
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return result;
}

/** Evaluates a polynomial given by its coefficients, constant first. */
export function evaluatePolynomial(coefficients: readonly number[], x: number): number {
  let value = 0;
  for (let power = coefficients.length - 1; power >= 0; power--) value = value * x + coefficients[power]!;
  return value;
}

/** Command-line helpers shared by the benches. */

/**
 * Parses a comma-separated list of numbers given to `--option`. On a value outside [low, high] it
 * prints the value, the range and `usage`, and exits with status 2.
 */
export function numberList(option: string, text: string, low: number, high: number, usage: string): number[] {
  return text.split(',').filter((item) => item !== '').map((item) => {
    const value = Number(item);
    if (!(value >= low && value <= high)) {
      process.stderr.write(`--${option} ${item}: expected a number from ${low} to ${high}\n${usage}`);
      process.exit(2);
    }
    return value;
  });
}

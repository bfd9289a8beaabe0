/** The number after `--<name>` in argv, or `fallback` when the option is absent. */
export function numberOption(argv: readonly string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

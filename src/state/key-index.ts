/**
 * KEYS for a variable-key script: each key listed once, referred to by its 1-based index
 * in ARGV (what apply-ops.lua and read-many.lua expect).
 */
export function keyIndex(): { keys: string[]; of(key: string): number } {
  const keys: string[] = [];
  const index = new Map<string, number>();
  return {
    keys,
    of(key) {
      let i = index.get(key);
      if (i === undefined) {
        keys.push(key);
        i = keys.length;
        index.set(key, i);
      }
      return i;
    },
  };
}

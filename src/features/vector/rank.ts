/** Normalised ascending rank in [0, 1]; ties share their mean rank; n <= 1 leaves `out`. */
export function rankInto(values: ArrayLike<number>, out: Float64Array): void {
  const n = values.length;
  if (n <= 1) return;
  const idx = new Array<number>(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => values[a]! - values[b]!);
  let k = 0;
  while (k < n) {
    let e = k;
    while (e + 1 < n && values[idx[e + 1]!] === values[idx[k]!]) e++;
    const r = (k + e) / 2 / (n - 1);
    for (let q = k; q <= e; q++) out[idx[q]!] = r;
    k = e + 1;
  }
}

/** rankInto over the candidates with a value; the others keep their default. */
export function rankKnown(values: readonly (number | undefined)[], out: Float64Array): void {
  const idx: number[] = [];
  const known: number[] = [];
  values.forEach((v, i) => {
    if (v !== undefined) {
      idx.push(i);
      known.push(v);
    }
  });
  const r = new Float64Array(known.length).fill(0.5);
  rankInto(known, r);
  idx.forEach((i, k) => {
    out[i] = r[k]!;
  });
}

/** What a scorer noted while scoring a matrix, for explaining its rows (scorer-specific). */
export type ScoreTrace = { readonly kind: string };

/**
 * Turns feature vectors into scores. The rest of the system knows only this interface,
 * so a hand-weighted scorer and a learned model are interchangeable at run time.
 */
export interface Scorer {
  /** Shown to clients and in metrics: which model ranked a list. */
  readonly name: string;
  /**
   * Scores `n` rows of the row-major matrix (FEATURE_COUNT columns) into `out`. May return
   * a trace of the scoring (opaque) that makes `reasons` of these rows cheaper later.
   */
  score(matrix: Float64Array, n: number, out: Float64Array): ScoreTrace | undefined;
  /** The features that lifted row `i` most, strongest first (`trace`: from `score`). */
  reasons(matrix: Float64Array, i: number, max: number, trace?: ScoreTrace): string[];
}

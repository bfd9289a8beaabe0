/**
 * Training data for ranking: one group per scored list (a clickout's shown items), each row
 * a feature vector and a label. Shared by the trainer, the metrics and the saved-state
 * readers, so that metrics never import the trainer.
 */
export interface RankingGroup {
  features: ArrayLike<number>[];
  labels: number[];
}

export interface RankingDataset {
  featureNames: string[];
  groups: RankingGroup[];
}

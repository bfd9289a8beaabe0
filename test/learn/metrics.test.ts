import { describe, expect, it } from "vitest";
import { meanReciprocalRank, ndcg, reciprocalRank } from "../../src/learn/metrics.ts";

describe("reciprocalRank", () => {
  it("ranks by descending score", () => {
    expect(reciprocalRank([0.1, 0.9, 0.5], [0, 0, 1])).toBe(1 / 2);
    expect(reciprocalRank([0.1, 0.9, 0.5], [0, 1, 0])).toBe(1);
    expect(reciprocalRank([0.1, 0.9, 0.5], [1, 0, 0])).toBe(1 / 3);
  });

  it("uses the best-ranked of several relevant items", () => {
    expect(reciprocalRank([4, 3, 2, 1], [0, 0, 1, 1])).toBe(1 / 3);
    expect(reciprocalRank([1, 2, 3, 4], [1, 0, 2, 0])).toBe(1 / 2);
  });

  it("breaks ties by original index, so a tie never favours the relevant item", () => {
    expect(reciprocalRank([1, 1, 1], [0, 1, 0])).toBe(1 / 2);
    expect(reciprocalRank([1, 1, 1], [0, 0, 1])).toBe(1 / 3);
    expect(reciprocalRank([0.5, 0.5], [1, 0])).toBe(1);
    // item 0 outranks the tie between 1 and 3; 1 precedes 3
    expect(reciprocalRank([2, 1, 0, 1], [0, 0, 0, 1])).toBe(1 / 3);
  });

  it("ranks NaN scores last", () => {
    expect(reciprocalRank([Number.NaN, 0.2, 0.1], [1, 0, 0])).toBe(1 / 3);
    expect(reciprocalRank([Number.NaN, -5], [0, 1])).toBe(1);
  });

  it("is 0 when nothing is relevant, and rejects mismatched lengths", () => {
    expect(reciprocalRank([1, 2], [0, 0])).toBe(0);
    expect(reciprocalRank([], [])).toBe(0);
    expect(() => reciprocalRank([1, 2], [1])).toThrow(/length 2.*length 1/);
  });
});

describe("meanReciprocalRank", () => {
  it("averages reciprocal ranks over groups using scoreFn", () => {
    const groups = [
      { features: [[1], [3], [2]], labels: [0, 0, 1] }, // rank 2
      { features: [[5], [1]], labels: [1, 0] }, // rank 1
      { features: [[1], [1], [1], [1]], labels: [0, 0, 0, 1] }, // all tied: rank 4
    ];
    expect(meanReciprocalRank(groups, (x) => x[0]!)).toBeCloseTo((1 / 2 + 1 + 1 / 4) / 3, 15);
    // negated: group 0 ranks the relevant item 2nd, group 1 2nd, group 2 still 4th
    expect(meanReciprocalRank(groups, (x) => -x[0]!)).toBeCloseTo((1 / 2 + 1 / 2 + 1 / 4) / 3, 15);
    expect(meanReciprocalRank([], () => 0)).toBe(0);
  });
});

describe("ndcg", () => {
  const l3 = 1 / Math.log2(3);

  it("matches hand-computed binary cases", () => {
    // relevant at ranks 2 and 3: (1/log2 3 + 1/2) / (1 + 1/log2 3)
    expect(ndcg([3, 2, 1], [0, 1, 1])).toBeCloseTo((l3 + 0.5) / (1 + l3), 12);
    expect(ndcg([3, 2, 1], [1, 1, 0])).toBe(1);
    expect(ndcg([3, 2, 1], [0, 0, 1])).toBeCloseTo(0.5, 15);
  });

  it("uses exponential gain for graded labels", () => {
    // order by score: labels 1, 0, 2 -> DCG = 1 + 0 + 3/2; ideal 2, 1, 0 -> 3 + 1/log2 3
    expect(ndcg([1, 2, 3], [2, 0, 1])).toBeCloseTo(2.5 / (3 + l3), 12);
  });

  it("truncates at k", () => {
    expect(ndcg([3, 2, 1], [0, 1, 1], 1)).toBe(0);
    expect(ndcg([3, 2, 1], [0, 1, 1], 2)).toBeCloseTo(l3 / (1 + l3), 12);
    expect(ndcg([3, 2, 1], [0, 1, 1], 10)).toBeCloseTo(ndcg([3, 2, 1], [0, 1, 1]), 15);
    expect(() => ndcg([1], [1], 0)).toThrow(/k must be >= 1/);
  });

  it("breaks ties by original index", () => {
    expect(ndcg([1, 1, 1], [0, 0, 1])).toBeCloseTo(0.5, 15);
    expect(ndcg([1, 1, 1], [1, 0, 0])).toBe(1);
  });

  it("is 0 when nothing is relevant", () => {
    expect(ndcg([1, 2, 3], [0, 0, 0])).toBe(0);
  });
});

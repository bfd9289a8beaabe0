import { defineFamily } from "./family.ts";
import { rankInto } from "./rank.ts";

/**
 * Position and price in the list shown: the slot, the list's length, the price and how it
 * compares with the list's (mean, minimum, rank) and with the prices of the items the
 * session touched, and where the candidate was in the session's previous list.
 */
export const listFamily = defineFamily({
  name: "list position and price",
  features: [
    "pos",
    "pos_rel",
    "list_len",
    "price",
    "price_rank",
    "price_rel",
    "price_vs_touched",
    "in_prev_list",
    "prev_pos",
    "price_over_min",
  ],
  fill(rows, { snap, list }) {
    const n = list.items.length;
    const prices = list.prices;
    let priceMean = 0;
    const priceRank = new Float64Array(n).fill(0.5);
    if (prices && prices.length === n && n > 0) {
      priceMean = prices.reduce((a, b) => a + b, 0) / n;
      rankInto(prices, priceRank);
    }
    const minPrice = prices && prices.length > 0 ? Math.min(...prices) : 0;
    let touchedPriceSum = 0;
    let touchedPriced = 0;
    list.items.forEach((c, i) => {
      const p = prices?.[i];
      if (snap.items.has(c) && p !== undefined) {
        touchedPriceSum += p;
        touchedPriced++;
      }
    });
    const touchedPriceMean = touchedPriced > 0 ? touchedPriceSum / touchedPriced : 0;
    // The list being scored is the session's own (same array): every candidate was in it.
    const own = list.items === snap.list;
    const prevSlot = new Map<string, number>();
    if (!own) for (let i = 0; i < snap.list.length; i++) prevSlot.set(snap.list[i]!, i);

    for (let i = 0; i < n; i++) {
      const price = prices?.[i];
      rows.set(i, "pos", i);
      rows.set(i, "pos_rel", n > 1 ? i / (n - 1) : 0);
      rows.set(i, "list_len", n);
      rows.set(i, "price", price ?? -1);
      rows.set(i, "price_rank", priceRank[i]!);
      rows.set(i, "price_rel", price !== undefined && priceMean > 0 ? price / priceMean : 1);
      rows.set(
        i,
        "price_vs_touched",
        price !== undefined && touchedPriceMean > 0 ? price / touchedPriceMean : -1,
      );
      const prev = own ? i : prevSlot.get(list.items[i]!);
      rows.set(i, "in_prev_list", prev !== undefined ? 1 : 0);
      rows.set(i, "prev_pos", prev ?? -1);
      rows.set(i, "price_over_min", price !== undefined && minPrice > 0 ? price / minPrice : -1);
    }
  },
});

import { itemEventIndex } from "../../domain/event-type.ts";
import { lastClickoutItem, recentEvents } from "../session-snapshot.ts";
import { defineFamily } from "./family.ts";
import { NEVER } from "./names.ts";

const T_IMAGE = itemEventIndex("ITEM_IMAGE");
const T_INFO = itemEventIndex("ITEM_INFO");
const T_RATING = itemEventIndex("ITEM_RATING");
const T_DEALS = itemEventIndex("ITEM_DEALS");
const T_SEARCH = itemEventIndex("SEARCH_ITEM");
const T_CLICKOUT = itemEventIndex("CLICKOUT");

/**
 * The session's own touches of the candidate: how often and how by type, how many steps
 * and seconds ago (times of past events only, never the time of the event predicted), its
 * rank among the touched items, and its slot relative to the slots of the latest touched
 * items and of the last clicked-out one (sessions move along the list).
 */
export const sessionFamily = defineFamily({
  name: "session touches",
  features: [
    "s_touches",
    "s_image",
    "s_info",
    "s_rating",
    "s_deals",
    "s_search",
    "s_clickout",
    "s_steps_since",
    "s_recency",
    "is_last_touched",
    "last_touched_slot",
    "slot_minus_last_touched",
    "touched_rank",
    "s_touched",
    "s_secs_since_touch",
    "slot_minus_second_touched",
    "slot_minus_extrapolated",
    "touched_in_list",
    "touched_rank_in_list",
    "touches_over_max",
    "slot_minus_last_clickout",
    "s_clickout_last",
  ],
  fill(rows, { snap, list }) {
    const n = list.items.length;
    const slotOf = new Map<string, number>();
    for (let i = 0; i < n; i++) slotOf.set(list.items[i]!, i);
    const slotOfItem = (item: string | undefined) =>
      item !== undefined ? (slotOf.get(item) ?? -1) : -1;
    const lastSlot = slotOfItem(snap.touched[0]);
    const secondSlot = slotOfItem(snap.touched[1]);
    const touchedRank = new Map<string, number>();
    snap.touched.forEach((item, r) => {
      touchedRank.set(item, r);
    });
    // Latest touch time per item, from the bounded recent log (newest first).
    const touchTs = new Map<string, number>();
    for (const r of recentEvents(snap))
      if (r.itemId && !touchTs.has(r.itemId)) touchTs.set(r.itemId, r.timestamp);
    // List-relative views: a tree scores one row at a time and cannot compare rows itself.
    const inList = list.items
      .map((c, i) => ({ i, si: snap.items.get(c) }))
      .filter((x) => x.si !== undefined)
      .sort((a, b) => b.si!.last - a.si!.last || a.i - b.i);
    const rankInList = new Map<number, number>();
    inList.forEach((x, r) => {
      rankInList.set(x.i, r);
    });
    const maxTouches = inList.reduce((m, x) => Math.max(m, x.si!.n), 0);
    const clickedOut = lastClickoutItem(snap);
    const clickoutSlot = slotOfItem(clickedOut);

    for (let i = 0; i < n; i++) {
      const c = list.items[i]!;
      const si = snap.items.get(c);
      rows.set(i, "s_touches", si?.n ?? 0);
      rows.set(i, "s_image", si?.byType[T_IMAGE] ?? 0);
      rows.set(i, "s_info", si?.byType[T_INFO] ?? 0);
      rows.set(i, "s_rating", si?.byType[T_RATING] ?? 0);
      rows.set(i, "s_deals", si?.byType[T_DEALS] ?? 0);
      rows.set(i, "s_search", si?.byType[T_SEARCH] ?? 0);
      rows.set(i, "s_clickout", si?.byType[T_CLICKOUT] ?? 0);
      const since = si ? Math.max(0, snap.step - si.last) : NEVER;
      rows.set(i, "s_steps_since", since);
      rows.set(i, "s_recency", si ? 1 / (1 + since) : 0);
      rows.set(i, "is_last_touched", snap.touched[0] === c ? 1 : 0);
      rows.set(i, "last_touched_slot", lastSlot);
      rows.set(i, "slot_minus_last_touched", lastSlot >= 0 ? i - lastSlot : NEVER);
      rows.set(i, "touched_rank", touchedRank.get(c) ?? NEVER);
      rows.set(i, "s_touched", si ? 1 : 0);
      const tts = touchTs.get(c);
      rows.set(
        i,
        "s_secs_since_touch",
        tts !== undefined ? (snap.lastTs - tts) / 1000 : NEVER * 100,
      );
      rows.set(i, "slot_minus_second_touched", secondSlot >= 0 ? i - secondSlot : NEVER);
      rows.set(
        i,
        "slot_minus_extrapolated",
        lastSlot >= 0 && secondSlot >= 0 ? i - (2 * lastSlot - secondSlot) : NEVER,
      );
      rows.set(i, "touched_in_list", inList.length);
      rows.set(i, "touched_rank_in_list", rankInList.get(i) ?? NEVER);
      rows.set(i, "touches_over_max", si && maxTouches > 0 ? si.n / maxTouches : 0);
      rows.set(i, "slot_minus_last_clickout", clickoutSlot >= 0 ? i - clickoutSlot : NEVER);
      rows.set(i, "s_clickout_last", clickedOut === c ? 1 : 0);
    }
  },
});

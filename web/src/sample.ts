import type { EventInput, EventType } from "../../src/generated/graphql.ts";
import raw from "../sample/trivago-sample.json";

/** Real trivago sessions (web/sample/README.md): rows unchanged, 12 columns each. */
interface Sample {
  source: string;
  columns: string[];
  filters: string[];
  sorts: string[];
  sessions: { sessionId: string; rows: string[][] }[];
}

export const SAMPLE = raw as Sample;

const C = {
  user: 0,
  session: 1,
  timestamp: 2,
  step: 3,
  action: 4,
  reference: 5,
  platform: 6,
  city: 7,
  device: 8,
  filters: 9,
  impressions: 10,
  prices: 11,
} as const;

export interface Hotel {
  itemId: string;
  price: number;
  /** 1 = first in the list the site showed. */
  shownAt: number;
}

/** One hotel search: the list of the session's clickout, and the hotel clicked. */
export interface Search {
  sourceSession: string;
  city: string;
  platform: string;
  device: string;
  hotels: Hotel[];
  clicked: string;
  rows: string[][];
}

export function searchOf(s: Sample["sessions"][number]): Search {
  const last = s.rows[s.rows.length - 1]!;
  const ids = (last[C.impressions] ?? "").split("|");
  const prices = (last[C.prices] ?? "").split("|").map(Number);
  return {
    sourceSession: s.sessionId,
    city: last[C.city] ?? "",
    platform: last[C.platform] ?? "",
    device: last[C.device] ?? "",
    hotels: ids.map((itemId, i) => ({ itemId, price: prices[i] ?? 0, shownAt: i + 1 })),
    clicked: last[C.reference] ?? "",
    rows: s.rows,
  };
}

export const SEARCHES: Search[] = SAMPLE.sessions.map(searchOf);

const ACTIONS: Record<string, { type: EventType; ref: "itemId" | "query" | "sort" }> = {
  "clickout item": { type: "CLICKOUT", ref: "itemId" },
  "interaction item image": { type: "ITEM_IMAGE", ref: "itemId" },
  "interaction item info": { type: "ITEM_INFO", ref: "itemId" },
  "interaction item rating": { type: "ITEM_RATING", ref: "itemId" },
  "interaction item deals": { type: "ITEM_DEALS", ref: "itemId" },
  "search for item": { type: "SEARCH_ITEM", ref: "itemId" },
  "search for destination": { type: "SEARCH_DESTINATION", ref: "query" },
  "search for poi": { type: "SEARCH_POI", ref: "query" },
  "filter selection": { type: "FILTER", ref: "query" },
  "change of sort order": { type: "SORT", ref: "sort" },
};

export interface ReplayStep {
  /** "list", or the row's step in the session. */
  id: string;
  /** Seconds since the session's first row (real time). */
  at: number;
  label: string;
  event: EventInput;
}

/**
 * The events that replay a session: first the list of its final clickout (as the
 * challenge did, the list is known before the visitor's last click), then every row
 * before that clickout, with its real timestamp. The final clickout itself is not sent:
 * it is what the ranking is judged on.
 */
export function replaySteps(search: Search, sessionId: string): ReplayStep[] {
  const rows = search.rows;
  const t0 = Number(rows[0]![C.timestamp]);
  const base = (row: string[]): EventInput => {
    const e: EventInput = {
      sessionId,
      type: "VIEW",
      timestamp: Number(row[C.timestamp]) * 1000,
    };
    if (row[C.user]) e.userId = row[C.user];
    if (row[C.platform]) e.platform = row[C.platform];
    if (row[C.city]) e.city = row[C.city];
    if (row[C.device]) e.device = row[C.device];
    if (row[C.filters]) e.filters = row[C.filters]!.split("|");
    return e;
  };
  const first = base(rows[0]!);
  const steps: ReplayStep[] = [
    {
      id: "list",
      at: 0,
      label: `list of ${search.hotels.length} hotels in ${search.city}`,
      event: {
        ...first,
        type: "IMPRESSIONS",
        city: search.city,
        impressions: search.hotels.map((h) => h.itemId),
        prices: search.hotels.map((h) => h.price),
      },
    },
  ];
  for (const row of rows.slice(0, -1)) {
    const action = ACTIONS[row[C.action] ?? ""];
    const ref = row[C.reference] ?? "";
    if (!action) continue;
    const event: EventInput = { ...base(row), type: action.type };
    if (ref) event[action.ref] = ref;
    if (action.type === "FILTER" && !event.filters) event.filters = [];
    steps.push({
      id: row[C.step] ?? String(steps.length),
      at: Number(row[C.timestamp]) - t0,
      label: `${row[C.action]}${ref ? ` · ${ref}` : ""}`,
      event,
    });
  }
  return steps;
}

/** Short human words for the scorer's feature names (src/features/vector.ts). */
const REASONS: Record<string, string> = {
  pos: "shown near the top",
  pos_rel: "shown near the top",
  price: "price",
  price_rank: "cheaper than most",
  price_rel: "cheaper than most",
  price_over_min: "close to the cheapest",
  price_vs_touched: "priced like hotels you looked at",
  s_touches: "you interacted with it",
  s_touched: "you interacted with it",
  s_image: "you looked at its photos",
  s_info: "you read its info",
  s_rating: "you checked its rating",
  s_deals: "you looked at its deals",
  s_search: "you searched for it",
  s_clickout: "you clicked it out",
  s_clickout_last: "your last clickout",
  s_recency: "touched recently",
  s_steps_since: "touched recently",
  s_secs_since_touch: "touched recently",
  is_last_touched: "the last hotel you touched",
  last_touched_slot: "near the last hotel you touched",
  slot_minus_last_touched: "next to the last hotel you touched",
  slot_minus_second_touched: "near hotels you touched",
  slot_minus_extrapolated: "where your scrolling was heading",
  touched_rank: "among your most touched",
  touched_rank_in_list: "among your most touched",
  touches_over_max: "your most touched",
  i_ctr: "often clicked by others",
  i_exam_ctr: "often clicked when seen",
  exam_ctr_rank: "often clicked when seen",
  i_clickouts: "often clicked by others",
  i_interactions: "popular with other visitors",
  i_impressions: "often shown",
  covisit_sum: "viewed together with yours",
  covisit_max: "viewed together with yours",
  user_clicked_before: "you clicked it before",
  city_pop: "popular in this city",
  global_pop: "popular overall",
  in_prev_list: "in your previous list",
  prev_pos: "high in your previous list",
  last_type: "fits your last action",
  n_filters: "fits your filters",
  touched_in_list: "you interacted with this list",
  slot_minus_last_clickout: "position vs. your last clickout",
  last_gap_secs: "your pace",
  session_step: "how far the session is",
  session_items: "how many hotels you touched",
  list_len: "list length",
};

export function reasonText(feature: string): string {
  return REASONS[feature] ?? feature.replaceAll("_", " ");
}

const euro = new Intl.NumberFormat("en", {
  style: "currency",
  currency: "EUR",
  maximumFractionDigits: 0,
});

export function formatPrice(p: number | null | undefined): string {
  return p === null || p === undefined ? "–" : euro.format(p);
}

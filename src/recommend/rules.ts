import { checkCatalogText } from "../catalog/item.ts";
import { normalizeProperty } from "../catalog/properties.ts";
import type { Config } from "../config.ts";
import { itemEventIndex } from "../domain/event-type.ts";
import { isId } from "../domain/ids.ts";
import type { Keys } from "../domain/keys.ts";
import type { FieldError, Result } from "../domain/result.ts";
import type { SessionSnapshot } from "../features/session-snapshot.ts";
import type { RankedItem } from "../scoring/rank.ts";
import { roundScore } from "../scoring/rank.ts";
import {
  all,
  constant,
  map,
  type ReadPlan,
  smismember,
  struct,
  zmscore,
} from "../state/read-plan.ts";

/**
 * What a site lets a list show: the business rules of one request or one subscriber,
 * applied to a ranked list (reranked or next-item alike). Exclusions always win: an item
 * a rule excludes is never shown, pinned or boosted.
 */
export interface ListRules {
  excludeItems: ReadonlySet<string>;
  /** Drop items this session or its user clicked out, put in the cart or bought. */
  excludeSeen: boolean;
  /** Normalised properties every shown item must have. */
  requireProperties: readonly string[];
  /** The city every shown item must be in (catalogue city). */
  city: string | undefined;
  /** Added to an item's score for each boost it matches (negative weights lower it). */
  boosts: readonly Boost[];
  /** Items kept at 1-based positions, ascending by position. */
  pins: readonly Pin[];
}

export interface Boost {
  property?: string;
  items?: ReadonlySet<string>;
  weight: number;
}

export interface Pin {
  itemId: string;
  position: number;
}

/** The inputs as GraphQL hands them over (before any rule is checked). */
export interface RawRules {
  filter?: {
    excludeItems?: readonly string[] | null;
    excludeSeen?: boolean | null;
    requireProperties?: readonly string[] | null;
    city?: string | null;
    boost?:
      | readonly { property?: string | null; itemIds?: readonly string[] | null; weight: number }[]
      | null;
  } | null;
  pin?: readonly { itemId: string; position: number }[] | null;
}

const MAX_WEIGHT = 1e6;

/** Validates filter and pins; undefined when neither asks for anything. */
export function validateRules(
  raw: RawRules,
  config: Pick<Config, "MAX_ID_LENGTH" | "MAX_STRING_LENGTH" | "MAX_CANDIDATES" | "MAX_LIST_ITEMS">,
): Result<ListRules | undefined> {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) => errors.push({ field, message });
  const ids = (
    field: string,
    list: readonly string[] | null | undefined,
    max: number,
  ): Set<string> => {
    const out = new Set<string>();
    if (!list) return out;
    if (list.length > max) {
      fail(field, `must hold at most ${max} items`);
      return out;
    }
    list.forEach((id, i) => {
      if (!isId(id, config.MAX_ID_LENGTH))
        fail(
          `${field}[${i}]`,
          `must be a valid item id (1-${config.MAX_ID_LENGTH} characters, no whitespace, '{', '}' or '|')`,
        );
      else out.add(id);
    });
    return out;
  };
  const property = (field: string, p: unknown): string | undefined => {
    const v = checkCatalogText(p, config.MAX_STRING_LENGTH, false);
    if (typeof v === "string") return normalizeProperty(v);
    fail(field, v.error);
    return undefined;
  };

  const f = raw.filter ?? {};
  const excludeItems = ids("filter.excludeItems", f.excludeItems, config.MAX_CANDIDATES);
  const requireProperties: string[] = [];
  if (f.requireProperties) {
    if (f.requireProperties.length > config.MAX_LIST_ITEMS)
      fail("filter.requireProperties", `must hold at most ${config.MAX_LIST_ITEMS} entries`);
    else
      f.requireProperties.forEach((p, i) => {
        const v = property(`filter.requireProperties[${i}]`, p);
        if (v !== undefined && !requireProperties.includes(v)) requireProperties.push(v);
      });
  }
  let city: string | undefined;
  if (f.city !== undefined && f.city !== null) {
    const v = checkCatalogText(f.city, config.MAX_STRING_LENGTH, false);
    if (typeof v === "string") city = v;
    else fail("filter.city", v.error);
  }
  const boosts: Boost[] = [];
  if (f.boost) {
    if (f.boost.length > config.MAX_LIST_ITEMS)
      fail("filter.boost", `must hold at most ${config.MAX_LIST_ITEMS} entries`);
    else
      f.boost.forEach((b, i) => {
        const at = `filter.boost[${i}]`;
        const hasProperty = b.property !== undefined && b.property !== null;
        const hasItems = b.itemIds !== undefined && b.itemIds !== null;
        if (hasProperty === hasItems) fail(at, "must give exactly one of property or itemIds");
        if (!Number.isFinite(b.weight) || Math.abs(b.weight) > MAX_WEIGHT)
          fail(`${at}.weight`, `must be a finite number between -${MAX_WEIGHT} and ${MAX_WEIGHT}`);
        const boost: Boost = { weight: b.weight };
        if (hasProperty) {
          const p = property(`${at}.property`, b.property);
          if (p !== undefined) boost.property = p;
        }
        if (hasItems) boost.items = ids(`${at}.itemIds`, b.itemIds, config.MAX_CANDIDATES);
        boosts.push(boost);
      });
  }
  const pins: Pin[] = [];
  if (raw.pin) {
    if (raw.pin.length > config.MAX_LIST_ITEMS)
      fail("pin", `must hold at most ${config.MAX_LIST_ITEMS} entries`);
    else {
      const items = new Set<string>();
      const positions = new Set<number>();
      raw.pin.forEach((p, i) => {
        if (!isId(p.itemId, config.MAX_ID_LENGTH))
          fail(`pin[${i}].itemId`, "must be a valid item id");
        else if (items.has(p.itemId)) fail(`pin[${i}].itemId`, `pins item ${p.itemId} twice`);
        if (!Number.isInteger(p.position) || p.position < 1 || p.position > config.MAX_CANDIDATES)
          fail(`pin[${i}].position`, `must be between 1 and ${config.MAX_CANDIDATES}`);
        else if (positions.has(p.position))
          fail(`pin[${i}].position`, `position ${p.position} is pinned twice`);
        items.add(p.itemId);
        positions.add(p.position);
        pins.push({ itemId: p.itemId, position: p.position });
      });
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  pins.sort((a, b) => a.position - b.position);
  const rules: ListRules = {
    excludeItems,
    excludeSeen: f.excludeSeen === true,
    requireProperties,
    city,
    boosts,
    pins,
  };
  return { ok: true, value: isActive(rules) ? rules : undefined };
}

export function isActive(r: ListRules): boolean {
  return (
    r.excludeItems.size > 0 ||
    r.excludeSeen ||
    r.requireProperties.length > 0 ||
    r.city !== undefined ||
    r.boosts.length > 0 ||
    r.pins.length > 0
  );
}

/** What the rules need to know of the listed items, besides the list itself. */
export interface RuleFacts {
  /** Items the session or its user clicked out, put in the cart or bought. */
  seen: ReadonlySet<string>;
  /** Per normalised property: which of the items have it. */
  having: ReadonlyMap<string, ReadonlySet<string>>;
  /** Which of the items are in the rules' city. */
  inCity: ReadonlySet<string>;
}

const SEEN_TYPES = [
  itemEventIndex("CLICKOUT"),
  itemEventIndex("ADD_TO_CART"),
  itemEventIndex("PURCHASE"),
];

/** Items this session clicked out, put in the cart or bought (its bounded item counters). */
export function sessionSeen(snap: Pick<SessionSnapshot, "items">): Set<string> {
  const out = new Set<string>();
  for (const [item, c] of snap.items)
    if (SEEN_TYPES.some((t) => (c.byType[t] ?? 0) > 0)) out.add(item);
  return out;
}

function ruleProperties(r: ListRules): string[] {
  const ps = new Set(r.requireProperties);
  for (const b of r.boosts) if (b.property !== undefined) ps.add(b.property);
  return [...ps];
}

/**
 * What the rules need to know of `items`: which have each rule property, which are in the
 * rules' city, and (with excludeSeen) which this session or its user has seen. Reads
 * nothing when the rules ask none of it.
 */
export function ruleFactsPlan(
  keys: Keys,
  r: ListRules,
  items: readonly string[],
  userId: string | undefined,
  seenInSession: ReadonlySet<string> = new Set(),
): ReadPlan<RuleFacts> {
  const members = (key: string) =>
    map(smismember(key, items), (flags) => {
      const out = new Set<string>();
      items.forEach((id, i) => {
        if (flags[i]) out.add(id);
      });
      return out;
    });
  const properties = ruleProperties(r);
  return map(
    struct({
      having: all(properties.map((p) => members(keys.propertyItems(p)))),
      inCity: r.city !== undefined ? members(keys.cityItems(r.city)) : constant(new Set<string>()),
      userSeen:
        r.excludeSeen && userId !== undefined
          ? zmscore(keys.userHistory(userId), items)
          : constant([]),
    }),
    (v) => {
      const having = new Map<string, ReadonlySet<string>>();
      properties.forEach((p, i) => {
        having.set(p, v.having[i]!);
      });
      const seen = new Set(seenInSession);
      items.forEach((id, i) => {
        const score = v.userSeen[i];
        if (score !== null && score !== undefined) seen.add(id);
      });
      return { seen, having, inCity: v.inCity };
    },
  );
}

/** Whether the rules let `itemId` be shown at all. */
export function allowed(r: ListRules, facts: RuleFacts, itemId: string): boolean {
  if (r.excludeItems.has(itemId)) return false;
  if (r.excludeSeen && facts.seen.has(itemId)) return false;
  for (const p of r.requireProperties) if (!facts.having.get(p)?.has(itemId)) return false;
  if (r.city !== undefined && !facts.inCity.has(itemId)) return false;
  return true;
}

/**
 * The list as the rules let it be shown: excluded items dropped, boosts added to scores
 * (ties keep the ranked order), pinned items placed at their positions (a pinned item
 * not in the list is inserted when allowed; a position past the end appends), then cut
 * to `limit` and renumbered. A boosted item shows `boosted` first among its reasons, a
 * pinned one `pinned`; a pinned item keeps its score if it was ranked, else 0.
 */
export function applyRules(
  items: readonly RankedItem[],
  r: ListRules,
  facts: RuleFacts,
  limit: number,
): RankedItem[] {
  const pinned = new Set(r.pins.map((p) => p.itemId));
  const byId = new Map(items.map((it) => [it.itemId, it]));
  const kept = items
    .filter((it) => !pinned.has(it.itemId) && allowed(r, facts, it.itemId))
    .map((it, idx) => {
      let score = it.score;
      let boosted = false;
      for (const b of r.boosts) {
        if (
          b.items?.has(it.itemId) ||
          (b.property !== undefined && facts.having.get(b.property)?.has(it.itemId))
        ) {
          score += b.weight;
          boosted = true;
        }
      }
      return { it, idx, score, boosted };
    });
  if (r.boosts.length > 0) kept.sort((a, b) => b.score - a.score || a.idx - b.idx);
  const out: RankedItem[] = kept.map(({ it, score, boosted }) => ({
    ...it,
    score: roundScore(score),
    reasons: boosted
      ? ["boosted", ...it.reasons.filter((x) => x !== "boosted")].slice(0, 4)
      : it.reasons,
  }));
  for (const p of r.pins) {
    if (!allowed(r, facts, p.itemId)) continue;
    const own = byId.get(p.itemId);
    out.splice(Math.min(p.position - 1, out.length), 0, {
      itemId: p.itemId,
      rank: 0,
      score: own?.score ?? 0,
      reasons: ["pinned"],
    });
  }
  return out.slice(0, limit).map((it, i) => ({ ...it, rank: i + 1 }));
}

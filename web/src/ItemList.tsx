import { type ReactNode, useLayoutEffect, useRef } from "react";
import type { RankedItem } from "./feed.ts";
import { HotelIcon } from "./icons.tsx";
import { formatPrice, type Hotel, reasonText } from "./sample.ts";

export interface ItemListProps {
  items: RankedItem[];
  /** The hotels of the search, for prices and shown positions. */
  hotels: Map<string, Hotel>;
  source: string | null;
  /** Version of the list (changes on each push): the animation runs when it does. */
  version: number | null;
  highlight?: string;
  highlightLabel?: string;
  /** Touches of each item by type (from the session's state). */
  touches?: Map<string, Record<string, number>>;
  actions?: (item: RankedItem) => ReactNode;
}

const TOUCH_LABELS: [string, string][] = [
  ["ITEM_IMAGE", "images"],
  ["ITEM_INFO", "info"],
  ["ITEM_RATING", "rating"],
  ["ITEM_DEALS", "deals"],
  ["SEARCH_ITEM", "searched"],
  ["CLICKOUT", "clickouts"],
];

/** The reasons in words, once each (several features share words), with their names. */
function reasonsOf(features: string[]): [string, string][] {
  const byText = new Map<string, string[]>();
  for (const f of features) {
    const text = reasonText(f);
    byText.set(text, [...(byText.get(text) ?? []), f]);
  }
  return [...byText].map(([text, fs]) => [text, fs.join(", ")]);
}

/** A hue from the item id, so that each hotel keeps its colour as it moves. */
function hue(id: string): number {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) % 360;
  return h;
}

/**
 * The ranked list. When a new list arrives, each card slides from where it was to where
 * it is now (FLIP: measure, invert with a transform, then let it transition to zero).
 */
export function ItemList(props: ItemListProps) {
  const { items, hotels, source, version, highlight, highlightLabel, touches, actions } = props;
  const refs = useRef(new Map<string, HTMLLIElement>());
  const tops = useRef(new Map<string, number>());

  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once per pushed list
  useLayoutEffect(() => {
    // Reads first, then writes, then one reflow: interleaving them forced a layout of the
    // whole page per moved card, which on a slow machine held the main thread for longer
    // than the event's round trip.
    const next = new Map<string, number>();
    const moved: [HTMLLIElement, number][] = [];
    for (const [id, el] of refs.current) {
      const top = el.getBoundingClientRect().top;
      next.set(id, top);
      const was = tops.current.get(id);
      if (was !== undefined && Math.abs(was - top) >= 1) moved.push([el, was - top]);
    }
    tops.current = next;
    if (moved.length === 0 || matchMedia("(prefers-reduced-motion: reduce)").matches) return;
    for (const [el, dy] of moved) {
      el.style.transition = "none";
      el.style.transform = `translateY(${dy}px)`;
    }
    void moved[0]![0].offsetHeight;
    for (const [el] of moved) {
      el.style.transition = "transform 450ms cubic-bezier(0.2, 0.8, 0.2, 1)";
      el.style.transform = "";
    }
  }, [version, items.length]);

  if (items.length === 0) {
    return (
      <p className="empty" data-testid="list-empty">
        {source === "NEXT_ITEM"
          ? "No list shown yet, and nothing popular to suggest."
          : "Waiting for the list…"}
      </p>
    );
  }
  return (
    <ol
      className="items"
      data-testid="list"
      data-source={source ?? ""}
      data-version={version ?? ""}
    >
      {items.map((it) => {
        const hotel = hotels.get(it.itemId);
        const t = touches?.get(it.itemId);
        const moved = it.moved;
        return (
          <li
            key={it.itemId}
            ref={(el) => {
              if (el) refs.current.set(it.itemId, el);
              else refs.current.delete(it.itemId);
            }}
            className={`item${it.itemId === highlight ? " highlight" : ""}${moved && moved > 0 ? " up" : ""}${moved && moved < 0 ? " down" : ""}`}
            data-testid="item"
            data-item-id={it.itemId}
            data-rank={it.rank}
          >
            <div className="rank">
              <span className="num">{it.rank}</span>
              <span
                className={`moved ${moved === null ? "new" : moved > 0 ? "pos" : moved < 0 ? "neg" : "same"}`}
                title="places moved since the previous list"
              >
                {moved === null ? "new" : moved > 0 ? `▲${moved}` : moved < 0 ? `▼${-moved}` : "–"}
              </span>
            </div>
            <div
              className="thumb"
              style={{ background: `hsl(${hue(it.itemId)} 55% 62%)` }}
              aria-hidden
            >
              <HotelIcon />
            </div>
            <div className="body">
              <div className="title">
                <strong>Hotel {it.itemId}</strong>
                {it.itemId === highlight && highlightLabel ? (
                  <span className="badge clicked">{highlightLabel}</span>
                ) : null}
              </div>
              <div className="meta">
                <span className="price">{formatPrice(hotel?.price)}</span>
                {hotel ? <span>shown #{hotel.shownAt}</span> : null}
                <span title="score">score {it.score.toFixed(3)}</span>
                {t
                  ? TOUCH_LABELS.filter(([k]) => t[k]).map(([k, label]) => (
                      <span key={k} className="touch" title={k}>
                        {label} ×{t[k]}
                      </span>
                    ))
                  : null}
              </div>
              <div className="reasons">
                {reasonsOf(it.reasons).map(([text, features]) => (
                  <span key={text} className="reason" title={features}>
                    {text}
                  </span>
                ))}
              </div>
            </div>
            {actions ? <div className="actions">{actions(it)}</div> : null}
          </li>
        );
      })}
    </ol>
  );
}

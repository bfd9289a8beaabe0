import { useApolloClient } from "@apollo/client/react";
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  type EventInput,
  type EventType,
  SessionDocument,
  type SessionQuery,
} from "../../src/generated/graphql.ts";
import { useRankedFeed } from "./feed.ts";
import { ItemList } from "./ItemList.tsx";
import { ImageIcon } from "./icons.tsx";
import { SessionPanel } from "./SessionPanel.tsx";
import { SAMPLE, SEARCHES } from "./sample.ts";
import { EventLog, useTrack } from "./track.tsx";

const ITEM_ACTIONS: { type: EventType; label: string; icon: ReactNode }[] = [
  { type: "ITEM_IMAGE", label: "Images", icon: <ImageIcon /> },
  { type: "ITEM_INFO", label: "Info", icon: "ℹ" },
  { type: "ITEM_RATING", label: "Rating", icon: "★" },
  { type: "ITEM_DEALS", label: "Deals", icon: "€" },
];

const randomId = () => Math.random().toString(36).slice(2, 10);

/** Plays a hotel search: every click is a `trackEvent`; the list is the one pushed back. */
export function LiveView() {
  const client = useApolloClient();
  const [searchIndex, setSearchIndex] = useState(() => {
    const i = Number(new URLSearchParams(location.search).get("search") ?? 0);
    return Number.isInteger(i) && i >= 0 && i < SEARCHES.length ? i : 0;
  });
  const search = SEARCHES[searchIndex]!;
  const hotels = useMemo(() => new Map(search.hotels.map((h) => [h.itemId, h])), [search]);
  const [sessionId, setSessionId] = useState<string | null>(null);
  const [userId] = useState(() => `demo-user-${randomId()}`);
  const [filters, setFilters] = useState<string[]>([]);
  const [sort, setSort] = useState("");
  const [session, setSession] = useState<SessionQuery["session"]>(null);
  const [loadingSession, setLoadingSession] = useState(false);
  const [toast, setToast] = useState<string | null>(null);
  const feed = useRankedFeed(sessionId);
  const currentId = useRef<string | null>(null);
  currentId.current = sessionId;

  const refreshSession = useCallback(
    async (id: string) => {
      setLoadingSession(true);
      try {
        const { data } = await client.query({
          query: SessionDocument,
          variables: { id },
          fetchPolicy: "network-only",
        });
        // An answer for a search the visitor already left is dropped.
        if (currentId.current === id) setSession(data?.session ?? null);
      } catch {
        // The panel keeps the last state it had.
      } finally {
        setLoadingSession(false);
      }
    },
    [client],
  );
  const { track, sent, clear } = useTrack((r) => void refreshSession(r.sessionId));

  const send = useCallback(
    (event: Omit<EventInput, "sessionId">, detail: string) => {
      if (!sessionId) return;
      void track({ ...event, sessionId }, detail);
    },
    [sessionId, track],
  );

  const startSearch = useCallback(
    async (index: number) => {
      const s = SEARCHES[index]!;
      const id = `live-${randomId()}`;
      clear();
      setSession(null);
      setFilters([]);
      setSort("");
      setSessionId(id);
      currentId.current = id;
      const context = {
        sessionId: id,
        userId,
        platform: s.platform,
        device: s.device,
        city: s.city,
      };
      await track({ ...context, type: "SEARCH_DESTINATION", query: s.city }, s.city);
      await track(
        {
          ...context,
          type: "IMPRESSIONS",
          impressions: s.hotels.map((h) => h.itemId),
          prices: s.hotels.map((h) => h.price),
        },
        `${s.hotels.length} hotels`,
      );
    },
    [clear, track, userId],
  );

  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void startSearch(searchIndex);
  }, [startSearch, searchIndex]);

  const touches = useMemo(() => {
    const m = new Map<string, Record<string, number>>();
    for (const t of session?.touchedItems ?? []) {
      m.set(t.itemId, Object.fromEntries(t.byType.map((b) => [b.type, b.count])));
    }
    return m;
  }, [session]);

  const toggleFilter = (name: string) => {
    const next = filters.includes(name) ? filters.filter((f) => f !== name) : [...filters, name];
    setFilters(next);
    send(
      { type: "FILTER", filters: next, query: name },
      `${filters.includes(name) ? "−" : "+"} ${name}`,
    );
  };

  const list = feed.list;
  return (
    <div className="view live">
      <section className="toolbar">
        <label>
          City{" "}
          <select
            value={searchIndex}
            onChange={(e) => {
              const i = Number(e.target.value);
              setSearchIndex(i);
              void startSearch(i);
            }}
            data-testid="city"
          >
            {SEARCHES.map((s, i) => (
              <option key={s.sourceSession} value={i}>
                {s.city} ({s.hotels.length} hotels)
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void startSearch(searchIndex)}>
          New search
        </button>
        <label>
          Sort{" "}
          <select
            value={sort}
            onChange={(e) => {
              setSort(e.target.value);
              if (e.target.value) send({ type: "SORT", sort: e.target.value }, e.target.value);
            }}
            data-testid="sort"
          >
            <option value="">(default)</option>
            {SAMPLE.sorts.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <span className="status" data-testid="list-status">
          {list
            ? `list v${list.version} · ${list.source === "RERANK" ? "reranked" : "next items"} by ${list.model} · ${feed.pushes} pushed`
            : "subscribing…"}
        </span>
      </section>
      <section className="filters" aria-label="filters">
        {SAMPLE.filters.slice(0, 10).map((f) => (
          <button
            type="button"
            key={f}
            className={`chip${filters.includes(f) ? " on" : ""}`}
            aria-pressed={filters.includes(f)}
            onClick={() => toggleFilter(f)}
          >
            {f}
          </button>
        ))}
      </section>
      <p className="hint">
        Real hotels and prices of a trivago search. Look at a hotel's images, info, rating or deals:
        each click is a <code>trackEvent</code>, and the list below is the one the{" "}
        <code>recommendations</code> subscription pushes back.
      </p>
      <div className="columns">
        <main>
          {feed.error ? <p className="error">Subscription error: {feed.error}</p> : null}
          <ItemList
            items={feed.items}
            hotels={hotels}
            source={list?.source ?? null}
            version={list?.version ?? null}
            touches={touches}
            actions={(it) => (
              <>
                {ITEM_ACTIONS.map((a) => (
                  <button
                    type="button"
                    key={a.type}
                    data-action={a.type}
                    title={`${a.label} of hotel ${it.itemId} (${a.type})`}
                    onClick={() => send({ type: a.type, itemId: it.itemId }, `hotel ${it.itemId}`)}
                  >
                    <span aria-hidden>{a.icon}</span> {a.label}
                  </button>
                ))}
                <button
                  type="button"
                  className="primary"
                  data-action="CLICKOUT"
                  onClick={() => {
                    send({ type: "CLICKOUT", itemId: it.itemId }, `hotel ${it.itemId}`);
                    setToast(`Clickout: the visitor leaves for the deal of hotel ${it.itemId}.`);
                    setTimeout(() => setToast(null), 2500);
                  }}
                >
                  View deal ↗
                </button>
              </>
            )}
          />
        </main>
        <aside>
          <h3>Session state</h3>
          <SessionPanel session={session} loading={loadingSession} />
          <h3>Events sent</h3>
          <EventLog sent={sent} />
        </aside>
      </div>
      {toast ? <div className="toast">{toast}</div> : null}
    </div>
  );
}

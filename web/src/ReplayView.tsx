import { useCallback, useEffect, useMemo, useState } from "react";
import { useRankedFeed } from "./feed.ts";
import { ItemList } from "./ItemList.tsx";
import { replaySteps, SEARCHES } from "./sample.ts";
import { useTrack } from "./track.tsx";

const newReplayId = (source: string) =>
  `replay-${source}-${Math.random().toString(36).slice(2, 8)}`;

function clock(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return `+${m}:${String(s).padStart(2, "0")}`;
}

/** The clicked hotel's rank after each replayed event (1 = top), against its shown place. */
function RankChart({ ranks, shownAt, size }: { ranks: number[]; shownAt: number; size: number }) {
  const w = 280;
  const h = 150;
  const pad = 22;
  const n = Math.max(ranks.length, 2);
  const x = (i: number) => pad + (i * (w - 2 * pad)) / (n - 1);
  const y = (rank: number) => pad + ((rank - 1) * (h - 2 * pad)) / Math.max(size - 1, 1);
  const points = ranks.map((r, i) => `${x(i)},${y(r)}`).join(" ");
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${w} ${h}`}
      role="img"
      aria-label="rank of the clicked hotel"
    >
      <line x1={pad} x2={w - pad} y1={y(1)} y2={y(1)} className="axis" />
      <text x={2} y={y(1) + 4} className="tick">
        #1
      </text>
      <text x={2} y={y(size) + 4} className="tick">
        #{size}
      </text>
      <line x1={pad} x2={w - pad} y1={y(shownAt)} y2={y(shownAt)} className="shown" />
      <text x={w - pad} y={y(shownAt) - 4} className="tick" textAnchor="end">
        shown #{shownAt}
      </text>
      {ranks.length > 1 ? <polyline points={points} className="line" /> : null}
      {ranks.map((r, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: one point per replayed event, in order
        <circle key={i} cx={x(i)} cy={y(r)} r={3} className="dot" />
      ))}
    </svg>
  );
}

/** Replays a real session event by event, at an adjustable speed. */
export function ReplayView() {
  const [searchIndex, setSearchIndex] = useState(0);
  const search = SEARCHES[searchIndex]!;
  const hotels = useMemo(() => new Map(search.hotels.map((h) => [h.itemId, h])), [search]);
  const [replayId, setReplayId] = useState(() => newReplayId(search.sourceSession));
  const steps = useMemo(() => replaySteps(search, replayId), [search, replayId]);
  const [cursor, setCursor] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [busy, setBusy] = useState(false);
  const [speed, setSpeed] = useState(2);
  const [ranks, setRanks] = useState<number[]>([]);
  const feed = useRankedFeed(replayId);
  const { track } = useTrack();
  const clicked = search.clicked;
  const shownAt = hotels.get(clicked)?.shownAt ?? 0;

  const reset = useCallback((index: number) => {
    setSearchIndex(index);
    setReplayId(newReplayId(SEARCHES[index]!.sourceSession));
    setCursor(0);
    setRanks([]);
    setPlaying(false);
  }, []);

  const step = useCallback(async () => {
    const s = steps[cursor];
    if (!s || busy) return;
    setBusy(true);
    const r = await track(s.event, s.label);
    const rank = r?.recommendations.items.find((it) => it.itemId === clicked)?.rank;
    if (rank !== undefined) setRanks((all) => [...all, rank]);
    setCursor((c) => c + 1);
    setBusy(false);
    if (!r) setPlaying(false);
  }, [steps, cursor, busy, track, clicked]);

  useEffect(() => {
    if (!playing || busy) return;
    if (cursor >= steps.length) {
      setPlaying(false);
      return;
    }
    const t = setTimeout(() => void step(), cursor === 0 ? 0 : 1000 / speed);
    return () => clearTimeout(t);
  }, [playing, busy, cursor, steps.length, speed, step]);

  const finished = cursor >= steps.length;
  const rankNow = feed.items.find((it) => it.itemId === clicked)?.rank;
  const finalRank = ranks[ranks.length - 1];

  return (
    <div className="view replay">
      <section className="toolbar">
        <label>
          Session{" "}
          <select
            value={searchIndex}
            onChange={(e) => reset(Number(e.target.value))}
            data-testid="replay-session"
          >
            {SEARCHES.map((s, i) => (
              <option key={s.sourceSession} value={i}>
                {s.city} · {s.rows.length - 1} events · clicked hotel shown #
                {s.hotels.find((h) => h.itemId === s.clicked)?.shownAt}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="primary"
          onClick={() => setPlaying((p) => !p)}
          disabled={finished}
          data-testid="replay-play"
        >
          {finished ? "✓ Done" : playing ? "❚❚ Pause" : cursor === 0 ? "▶ Play" : "▶ Resume"}
        </button>
        <button type="button" onClick={() => void step()} disabled={finished || playing || busy}>
          Step
        </button>
        <button type="button" onClick={() => reset(searchIndex)}>
          ⟲ Restart
        </button>
        <label className="speed">
          Speed{" "}
          <input
            type="range"
            min={0.5}
            max={10}
            step={0.5}
            value={speed}
            onChange={(e) => setSpeed(Number(e.target.value))}
          />{" "}
          {speed} events/s
        </label>
      </section>
      <div className="columns three">
        <section className="timeline">
          <h3>
            Session {search.sourceSession} ({cursor}/{steps.length})
          </h3>
          <ol>
            {steps.map((s, i) => (
              <li
                key={s.id}
                className={i < cursor ? "done" : i === cursor ? "next" : ""}
                data-item={s.event.itemId === clicked ? "clicked" : undefined}
              >
                <span className="at">{clock(s.at)}</span>
                <span className="what">{s.label}</span>
              </li>
            ))}
            <li className={`target${finished ? " revealed" : ""}`}>
              <span className="at">
                {clock(Number(search.rows.at(-1)![2]) - Number(search.rows[0]![2]))}
              </span>
              <span className="what">
                clickout · {finished ? `hotel ${clicked}` : "(the click being predicted)"}
              </span>
            </li>
          </ol>
        </section>
        <main>
          <ItemList
            items={feed.items}
            hotels={hotels}
            source={feed.list?.source ?? null}
            version={feed.list?.version ?? null}
            highlight={clicked}
            highlightLabel="clicked in the end"
          />
        </main>
        <aside>
          <h3>The hotel finally clicked</h3>
          <div className="clicked-card">
            <div className="big">Hotel {clicked}</div>
            <div>
              shown <strong>#{shownAt}</strong> by the site · ranked{" "}
              <strong data-testid="clicked-rank">{rankNow ? `#${rankNow}` : "–"}</strong> now
            </div>
          </div>
          <RankChart ranks={ranks} shownAt={shownAt} size={search.hotels.length} />
          {finished && finalRank ? (
            <p className="verdict" data-testid="verdict">
              Before the click, sessionrank ranked hotel {clicked} <strong>#{finalRank}</strong>{" "}
              (the site showed it #{shownAt}): reciprocal rank {(1 / finalRank).toFixed(2)} against{" "}
              {(1 / shownAt).toFixed(2)} for the site's order.
            </p>
          ) : (
            <p className="muted">
              The list starts as the site showed it at the visitor's final clickout; each real event
              of the session then reorders it. Times are the session's own.
            </p>
          )}
        </aside>
      </div>
    </div>
  );
}

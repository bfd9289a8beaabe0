import { useMutation } from "@apollo/client/react";
import { useCallback, useRef, useState } from "react";
import {
  type EventInput,
  TrackEventDocument,
  type TrackEventMutation,
} from "../../src/generated/graphql.ts";

export interface SentEvent {
  n: number;
  type: string;
  detail: string;
  status: "sending" | "ok" | "error";
  step?: number;
  published?: boolean;
  ms?: number;
  error?: string;
}

export type TrackResult = TrackEventMutation["trackEvent"];

/** `trackEvent` with a log of what was sent and what came back. */
export function useTrack(onDone?: (r: TrackResult) => void) {
  const [mutate] = useMutation(TrackEventDocument);
  const [sent, setSent] = useState<SentEvent[]>([]);
  const counter = useRef(0);
  const done = useRef(onDone);
  done.current = onDone;

  const track = useCallback(
    async (event: EventInput, detail = ""): Promise<TrackResult | null> => {
      const n = ++counter.current;
      const update = (patch: Partial<SentEvent>) =>
        setSent((all) => all.map((e) => (e.n === n ? { ...e, ...patch } : e)));
      setSent((all) =>
        [{ n, type: event.type, detail, status: "sending" as const }, ...all].slice(0, 200),
      );
      const t0 = performance.now();
      try {
        const { data } = await mutate({ variables: { event } });
        const r = data?.trackEvent ?? null;
        update({
          status: "ok",
          step: r?.step,
          published: r?.published,
          ms: Math.round(performance.now() - t0),
        });
        if (r) done.current?.(r);
        return r;
      } catch (err) {
        update({ status: "error", error: (err as Error).message });
        return null;
      }
    },
    [mutate],
  );
  const clear = useCallback(() => setSent([]), []);
  return { track, sent, clear };
}

export function EventLog({ sent }: { sent: SentEvent[] }) {
  if (sent.length === 0) return <p className="muted">No events sent yet.</p>;
  return (
    <ol className="log" data-testid="event-log">
      {sent.map((e) => (
        <li key={e.n} className={`log-${e.status}`} data-status={e.status}>
          <span className="etype">{e.type}</span>
          <span className="edetail">{e.detail}</span>
          <span className="eresult">
            {e.status === "sending"
              ? "…"
              : e.status === "error"
                ? `✗ ${e.error}`
                : `step ${e.step} · ${e.ms} ms${e.published ? " · pushed" : ""}`}
          </span>
        </li>
      ))}
    </ol>
  );
}

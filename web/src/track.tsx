import { useMutation } from "@apollo/client/react";
import { useCallback, useRef, useState } from "react";
import {
  type EventInput,
  TrackEventDocument,
  type TrackEventMutation,
} from "../../src/generated/graphql.ts";
import { graphqlUrl } from "./apollo.ts";
import { listArrival, networkMs } from "./timing.ts";

export interface SentEvent {
  n: number;
  type: string;
  detail: string;
  status: "sending" | "ok" | "error";
  step?: number;
  published?: boolean;
  /** Request sent to response received, as the network stack saw it (Resource Timing). */
  ms?: number;
  /** Request sent to the pushed list's arrival off the socket; null if none arrived. */
  pushMs?: number | null;
  /** The list of this event reached the page as its subscription's first list, not a push. */
  listWithSubscription?: boolean;
  /** Request sent to the answer reaching this code: the network plus a busy main thread. */
  pageMs?: number;
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
        const pageMs = performance.now() - t0;
        const r = data?.trackEvent ?? null;
        update({
          status: "ok",
          step: r?.step,
          published: r?.published,
          ms: round(networkMs(graphqlUrl(), t0) ?? pageMs),
          pageMs: round(pageMs),
        });
        if (r?.published)
          void listArrival(r.sessionId, r.recommendations.version).then((a) =>
            update(
              a === null
                ? { pushMs: null }
                : a.initial
                  ? { listWithSubscription: true }
                  : { pushMs: round(a.at - t0) },
            ),
          );
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

const round = (ms: number) => Math.round(ms * 10) / 10;

function result(e: SentEvent): string {
  const parts = [`step ${e.step}`];
  if (e.published)
    parts.push(
      e.listWithSubscription
        ? "list came with the subscription"
        : e.pushMs === undefined
          ? "list pushed…"
          : e.pushMs === null
            ? "no list received"
            : `list pushed in ${e.pushMs} ms`,
    );
  parts.push(`answered in ${e.ms} ms`);
  return parts.join(" · ");
}

export function EventLog({ sent }: { sent: SentEvent[] }) {
  if (sent.length === 0) return <p className="muted">No events sent yet.</p>;
  return (
    <ol className="log" data-testid="event-log">
      {sent.map((e) => (
        <li
          key={e.n}
          className={`log-${e.status}`}
          data-status={e.status}
          data-push-ms={e.pushMs ?? undefined}
          data-response-ms={e.ms}
          title={
            e.pageMs === undefined
              ? undefined
              : `Times from sending: the answer's last byte at ${e.ms} ms (Resource Timing), the pushed list off the socket at ${e.pushMs ?? "–"} ms; the page got to the answer at ${e.pageMs} ms, after its main thread was free.`
          }
        >
          <span className="etype">{e.type}</span>
          <span className="edetail">{e.detail}</span>
          <span className="eresult">
            {e.status === "sending" ? "…" : e.status === "error" ? `✗ ${e.error}` : result(e)}
          </span>
        </li>
      ))}
    </ol>
  );
}

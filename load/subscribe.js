// Push latency over graphql-ws (WebSocket), shape (4) of the benchmark: every VU is one
// session subscribed to its recommendations; it sends one event per INTERVAL_MS over HTTP
// and times, for each event that changed the ranked order, the event sent -> the arrival
// of the new list.
//   k6 run -e BASE_URL=http://localhost:4000 load/subscribe.js                    # 500 events/s
//   k6 run -e BASE_URL=http://localhost:4000 -e INTERVAL_MS=1000 -e BARE_PUSH_P99_MS=12 load/subscribe.js
//   env: SESSIONS (VUs, default 1000), INTERVAL_MS (default 2000: 1,000 sessions x 0.5/s =
//        500 events/s), DURATION_S (default 60), PUSH_P99_MS (the p99 threshold; default the
//        target: 20 ms at up to 500 events/s; at more, twice BARE_PUSH_P99_MS, the bare yoga
//        pub/sub's p99 that `npm run bench` measured beside the service, when given)
// k6's clock has 1 ms resolution, so p50 figures are coarse; the Node benchmark
// (npm run bench) uses hrtime.
import { check } from "k6";
import exec from "k6/execution";
import http from "k6/http";
import { Counter, Trend } from "k6/metrics";
import { clearInterval, setInterval, setTimeout } from "k6/timers";
import { WebSocket } from "k6/websockets";
import {
  GRAPHQL_URL,
  gql,
  impressions,
  interaction,
  randomItems,
  SUBSCRIBE,
  TRACK_EVENT,
  WS_URL,
} from "./lib.js";

const SESSIONS = Number(__ENV.SESSIONS || 1000);
const INTERVAL_MS = Number(__ENV.INTERVAL_MS || 2000);
const DURATION_S = Number(__ENV.DURATION_S || 60);
const EVENTS_PER_SEC = (SESSIONS * 1000) / INTERVAL_MS;
const BARE_P99 = Number(__ENV.BARE_PUSH_P99_MS || 0);
const PUSH_P99_MS = Number(
  __ENV.PUSH_P99_MS || (EVENTS_PER_SEC > 500 && BARE_P99 > 0 ? 2 * BARE_P99 : 20),
);

const pushLatency = new Trend("push_latency", true);
const pushesReceived = new Counter("pushes_received");
const pushesLost = new Counter("pushes_lost");
const subscribeErrors = new Counter("subscribe_errors");
const trackFailed = new Counter("track_failed");

/** @type {import("k6/options").Options} */
export const options = {
  scenarios: {
    subscribers: {
      executor: "per-vu-iterations",
      vus: SESSIONS,
      iterations: 1,
      maxDuration: `${DURATION_S + 120}s`,
    },
  },
  thresholds: {
    push_latency: [`p(99)<=${PUSH_P99_MS}`],
    pushes_lost: ["count<1"],
    subscribe_errors: ["count<1"],
    track_failed: ["count<1"],
    checks: ["rate>0.999"],
  },
};

const JSON_PARAMS = {
  headers: { "content-type": "application/json" },
  tags: { name: "trackEvent" },
};

export default function () {
  const sessionId = `k6-sub-${exec.vu.idInTest}-${Date.now()}`;
  const items = randomItems(25);
  // Show the session a list first, so each later interaction can reorder it.
  const opened = gql(TRACK_EVENT, { event: impressions(sessionId, items) }, { name: "trackEvent" });
  check(opened, { "list opened": (r) => r.status === 200 });

  const ws = new WebSocket(WS_URL, null, {
    headers: { "Sec-WebSocket-Protocol": "graphql-transport-ws" },
  });
  /** @type {Record<string, number>} version -> when its event was sent (known once answered) */
  const responded = {};
  /** @type {Record<string, number>} version -> when the list arrived */
  const arrived = {};
  let initial = true;

  const send = () => {
    const body = JSON.stringify({
      query: TRACK_EVENT,
      variables: { event: interaction(sessionId, items) },
    });
    const sentAt = Date.now();
    http.asyncRequest("POST", GRAPHQL_URL, body, JSON_PARAMS).then((res) => {
      /** @type {any} */
      let parsed = null;
      try {
        parsed = JSON.parse(String(res.body));
      } catch (_e) {
        parsed = null;
      }
      const t = parsed?.data ? parsed.data.trackEvent : null;
      if (res.status !== 200 || !t) {
        trackFailed.add(1);
        return;
      }
      if (!t.published) return;
      const v = String(t.recommendations.version);
      const at = arrived[v];
      if (at !== undefined) {
        pushLatency.add(Math.max(0, at - sentAt));
        pushesReceived.add(1);
        delete arrived[v];
      } else {
        responded[v] = sentAt;
      }
    });
  };

  const begin = () => {
    const timer = setInterval(send, INTERVAL_MS);
    setTimeout(() => {
      clearInterval(timer);
      // Give the last lists time to arrive, then count what never did.
      setTimeout(() => {
        pushesLost.add(Object.keys(responded).length);
        ws.send(JSON.stringify({ id: "1", type: "complete" }));
        ws.close();
      }, 2000);
    }, DURATION_S * 1000);
  };

  ws.onopen = () => ws.send(JSON.stringify({ type: "connection_init", payload: {} }));
  ws.onerror = () => subscribeErrors.add(1);
  ws.onmessage = (e) => {
    if (!e) return;
    /** @type {any} */
    const msg = JSON.parse(String(e.data));
    if (msg.type === "connection_ack") {
      ws.send(
        JSON.stringify({
          id: "1",
          type: "subscribe",
          payload: { query: SUBSCRIBE, variables: { sessionId } },
        }),
      );
    } else if (msg.type === "ping") {
      ws.send(JSON.stringify({ type: "pong" }));
    } else if (msg.type === "next") {
      const list = msg.payload?.data ? msg.payload.data.recommendations : null;
      if (!list) {
        subscribeErrors.add(1);
        return;
      }
      if (initial) {
        // The first message is the current list, not a push: start sending events now.
        initial = false;
        check(list, { "initial list": (l) => l.sessionId === sessionId });
        begin();
        return;
      }
      const now = Date.now();
      const v = String(list.version);
      const at = responded[v];
      if (at !== undefined) {
        pushLatency.add(Math.max(0, now - at));
        pushesReceived.add(1);
        delete responded[v];
      } else {
        arrived[v] = now;
      }
    } else if (msg.type === "error") {
      subscribeErrors.add(1);
      ws.close();
    }
  };
}

// Shape (3) of the benchmark, a busy site's collector: trackEvents of BATCH (100) events,
// every event from a different session (sessions shown a 25-item list in setup), while a
// tenth of those sessions are subscribed over graphql-ws for the whole run.
//   k6 run -e BASE_URL=http://localhost:4000 load/collector-batch.js
//   env: SESSIONS (default 5000, a multiple of BATCH), BATCH (default 100), VUS (batch
//        senders, default 4), DURATION_S (default 60), LUA_REFERENCE_EPS (the 9-write Lua
//        reference against the service's Redis, events/s; see load/README.md; default 28000)
//        MIN_EVENTS_PER_SEC (default the target: 50% of LUA_REFERENCE_EPS)
import { check } from "k6";
import exec from "k6/execution";
import { Counter } from "k6/metrics";
import { setTimeout } from "k6/timers";
import { WebSocket } from "k6/websockets";
import {
  gql,
  interactionBelowTop,
  listedSessions,
  parse,
  REFERENCE,
  SUBSCRIBE,
  TRACK_EVENTS,
  WS_URL,
} from "./lib.js";

const SESSIONS = Number(__ENV.SESSIONS || 5000);
const BATCH = Number(__ENV.BATCH || 100);
const DURATION_S = Number(__ENV.DURATION_S || 60);
/** The watchers subscribe during the first seconds; the batches start after them. */
const LEAD_S = 10;
const MIN_EVENTS_PER_SEC = Number(
  __ENV.MIN_EVENTS_PER_SEC || Math.round(0.5 * REFERENCE.luaEventsPerSec),
);
const WATCHED = Math.floor(SESSIONS / 10);

const eventsAccepted = new Counter("events_accepted");
const eventsRejected = new Counter("events_rejected");
const sessionsPublished = new Counter("sessions_published");
const pushesReceived = new Counter("pushes_received");
const graphqlErrors = new Counter("graphql_errors");
const subscribeErrors = new Counter("subscribe_errors");

/** @type {import("k6/options").Options} */
export const options = {
  setupTimeout: "180s",
  scenarios: {
    // Subscribed first, so that the batches run against watched sessions from the start.
    watchers: {
      executor: "per-vu-iterations",
      exec: "watch",
      vus: WATCHED,
      iterations: 1,
      maxDuration: `${LEAD_S + DURATION_S + 30}s`,
    },
    batches: {
      executor: "constant-vus",
      exec: "batch",
      vus: Number(__ENV.VUS || 4),
      duration: `${DURATION_S}s`,
      startTime: `${LEAD_S}s`,
    },
  },
  thresholds: {
    http_req_failed: ["rate<0.001"],
    graphql_errors: ["count<1"],
    events_rejected: ["count<1"],
    subscribe_errors: ["count<1"],
    checks: ["rate>0.999"],
    // Target (3): at least half the 9-write Lua reference on the same Redis. k6 divides by
    // the whole test's time, the watchers' lead included, so the bar is scaled by the share
    // of the test the batches run.
    events_accepted: [
      `rate>${Math.round((MIN_EVENTS_PER_SEC * DURATION_S) / (LEAD_S + DURATION_S))}`,
    ],
  },
};

export function setup() {
  if (SESSIONS % BATCH !== 0) throw new Error(`SESSIONS must be a multiple of BATCH (${BATCH})`);
  return { sessions: listedSessions(`k6-cb-${Date.now()}`, SESSIONS) };
}

/** @typedef {{ sessions: { sessionId: string, items: string[] }[] }} Data */

/** One subscriber on every tenth session, held until the batches are done. */
export function watch(/** @type {Data} */ data) {
  const s = data.sessions[(exec.vu.idInTest % WATCHED) * 10];
  if (!s) return;
  const ws = new WebSocket(WS_URL, null, {
    headers: { "Sec-WebSocket-Protocol": "graphql-transport-ws" },
  });
  let initial = true;
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
          payload: { query: SUBSCRIBE, variables: { sessionId: s.sessionId } },
        }),
      );
    } else if (msg.type === "ping") {
      ws.send(JSON.stringify({ type: "pong" }));
    } else if (msg.type === "next") {
      if (!msg.payload?.data?.recommendations) subscribeErrors.add(1);
      else if (initial) initial = false;
      else pushesReceived.add(1);
    } else if (msg.type === "error") {
      subscribeErrors.add(1);
      ws.close();
    }
  };
  setTimeout(
    () => {
      ws.send(JSON.stringify({ id: "1", type: "complete" }));
      ws.close();
    },
    (LEAD_S + DURATION_S) * 1000,
  );
}

/** BATCH events, each of another session: consecutive slices of the sessions, in turn. */
export function batch(/** @type {Data} */ data) {
  const slices = SESSIONS / BATCH;
  const slice = exec.scenario.iterationInTest % slices;
  const events = data.sessions
    .slice(slice * BATCH, (slice + 1) * BATCH)
    .map((s) => interactionBelowTop(s.sessionId, s.items));
  const res = gql(TRACK_EVENTS, { events, rescore: true }, { name: "trackEvents" });
  const body = parse(res);
  if (!body || body.errors) graphqlErrors.add(1);
  const result = body?.data ? body.data.trackEvents : null;
  check(res, {
    "status 200": (r) => r.status === 200,
    "all accepted": () => Boolean(result && result.accepted === events.length),
  });
  if (result) {
    eventsAccepted.add(result.accepted);
    eventsRejected.add(result.rejected);
    sessionsPublished.add(result.published);
  }
}

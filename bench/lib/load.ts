import { Agent, request } from "node:http";
import autocannon from "autocannon";
import { percentile, round } from "./stats.ts";

export interface LoadResult {
  reqPerSec: number;
  p50: number;
  p99: number;
  requests: number;
  /** Non-2xx answers plus 2xx answers carrying GraphQL errors, plus socket errors. */
  errors: number;
  seconds: number;
}

/**
 * Closed-loop load with autocannon: `connections` keep-alive connections, each sending the
 * next body as soon as its answer arrives. Bodies are taken in turn from `bodies`.
 */
export async function hammer(
  url: string,
  bodies: readonly string[],
  opts: {
    connections: number;
    seconds: number;
    /** Sees every answer's body (to count what the answers say, e.g. lists published). */
    onBody?: (body: string) => void;
  },
): Promise<LoadResult> {
  let next = 0;
  let gqlErrors = 0;
  let firstError: string | undefined;
  const res = await autocannon({
    url,
    connections: opts.connections,
    duration: opts.seconds,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        setupRequest: (req) => {
          const body = bodies[next++ % bodies.length]!;
          return { ...req, body };
        },
        onResponse: (_status, body) => {
          opts.onBody?.(body);
          if (body.startsWith('{"errors"') || body.includes('"errors":[')) {
            gqlErrors++;
            firstError ??= body.slice(0, 300);
          }
        },
      },
    ],
  });
  if (firstError) console.error(`  ! GraphQL error under load: ${firstError}`);
  return {
    reqPerSec: round(res.requests.total / res.duration, 0),
    p50: res.latency.p50,
    p99: res.latency.p99,
    requests: res.requests.total,
    errors: res.non2xx + res.errors + res.timeouts + gqlErrors,
    seconds: res.duration,
  };
}

/**
 * Pooled keep-alive sockets, each closed by this side after 4 s idle: before the server's
 * keep-alive timeout (Node's 5 s) closes it, so a request never goes out on a socket the
 * server is closing at that moment (ECONNRESET). The push driver's open loop needs this:
 * a burst opens many sockets, then most idle while the steady rate needs few.
 */
const newAgent = () => new Agent({ keepAlive: true, maxSockets: 256, timeout: 4000 });
let agent = newAgent();

/** Drops pooled keep-alive sockets: each phase starts on new ones. */
export function freshConnections(): void {
  agent.destroy();
  agent = newAgent();
}

/** One POST of a JSON body; resolves with the parsed answer. */
export function post(url: string, body: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
          } catch (e) {
            reject(e);
          }
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Posts and throws if the answer carries GraphQL errors. */
export async function gql<T = Record<string, unknown>>(url: string, body: string): Promise<T> {
  const r = (await post(url, body)) as { data?: T; errors?: unknown[] };
  if (r.errors?.length)
    throw new Error(`GraphQL errors: ${JSON.stringify(r.errors).slice(0, 500)}`);
  return r.data as T;
}

/** Sequential requests (concurrency `concurrency`), latency per request in ms (hrtime). */
export async function latencies(
  url: string,
  bodies: readonly string[],
  opts: { requests: number; warmup: number; concurrency?: number },
): Promise<{ p50: number; p99: number; mean: number; n: number }> {
  // A phase usually follows a pause (a memory scan, another phase): start on new sockets.
  freshConnections();
  let i = 0;
  const samples: number[] = [];
  const worker = async () => {
    for (;;) {
      const k = i++;
      if (k >= opts.warmup + opts.requests) return;
      const t0 = performance.now();
      await gql(url, bodies[k % bodies.length]!);
      if (k >= opts.warmup) samples.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 1 }, worker));
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return {
    p50: round(percentile(samples, 50)),
    p99: round(percentile(samples, 99)),
    mean: round(mean),
    n: samples.length,
  };
}

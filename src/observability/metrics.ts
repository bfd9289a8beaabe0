import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** What the service reports at /metrics (Prometheus text format). */
export interface MetricsSources {
  /** Live subscriptions of this process. */
  activeSubscriptions(): number;
  /** Name of the scorer in use, and how many times it was swapped since start. */
  model(): { name: string; generation: number };
  storeKind: string;
}

export interface MetricsOptions {
  /** Also report process metrics (CPU, memory, event loop lag, GC). Once per process. */
  processMetrics?: boolean;
}

export type Outcome = "accepted" | "rejected";

/** The HTTP routes we label requests with (a closed set: no unbounded label values). */
export type Route = "/graphql" | "/demo" | "/health" | "/ready" | "/metrics" | "other";

/**
 * The service's metrics, in a registry of its own (so that several servers in one process,
 * as in the tests, do not collide). Every label has a small closed set of values.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly eventCounter: Counter<"type" | "outcome">;
  private readonly rescore: Histogram<"source">;
  private readonly published: Counter;
  private readonly pushes: Counter;
  private readonly redisDuration: Histogram<"command">;
  private readonly redisErrors: Counter<"command">;
  private readonly http: Histogram<"route" | "method" | "status">;

  constructor(sources: MetricsSources, opts: MetricsOptions = {}) {
    const registers = [this.registry];
    this.eventCounter = new Counter({
      name: "sessionrank_events_total",
      help: "Events received, by type and outcome (accepted: recorded; rejected: failed validation).",
      labelNames: ["type", "outcome"],
      registers,
    });
    this.rescore = new Histogram({
      name: "sessionrank_rescore_duration_seconds",
      help: "Time to apply an event's writes, rescore the session's list and publish it if its order changed.",
      labelNames: ["source"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.published = new Counter({
      name: "sessionrank_lists_published_total",
      help: "Rescored lists whose ranked order changed, and which were published to subscribers.",
      registers,
    });
    this.pushes = new Counter({
      name: "sessionrank_pushes_total",
      help: "Lists sent to subscribers by this process (the first list of a subscription included).",
      registers,
    });
    new Gauge({
      name: "sessionrank_active_subscriptions",
      help: "Open recommendation subscriptions (SSE and WebSocket) in this process.",
      registers,
      collect() {
        this.set(sources.activeSubscriptions());
      },
    });
    this.redisDuration = new Histogram({
      name: "sessionrank_redis_command_duration_seconds",
      help: "Redis command latency, from send to reply (pipelined commands included).",
      labelNames: ["command"],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers,
    });
    this.redisErrors = new Counter({
      name: "sessionrank_redis_command_errors_total",
      help: "Redis commands that failed (error reply, timeout or lost connection).",
      labelNames: ["command"],
      registers,
    });
    new Gauge({
      name: "sessionrank_model_info",
      help: "The ranking model in use (value 1), with the number of hot swaps since start.",
      labelNames: ["model", "generation"],
      registers,
      collect() {
        const m = sources.model();
        this.reset();
        this.set({ model: m.name, generation: String(m.generation) }, 1);
      },
    });
    new Gauge({
      name: "sessionrank_store_info",
      help: "The store in use (value 1): memory or redis.",
      labelNames: ["store"],
      registers,
      collect() {
        this.set({ store: sources.storeKind }, 1);
      },
    });
    this.http = new Histogram({
      name: "sessionrank_http_request_duration_seconds",
      help: "HTTP requests by route, method and status (a WebSocket or SSE stream counts when it ends).",
      labelNames: ["route", "method", "status"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
      registers,
    });
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  event(type: string, outcome: Outcome): void {
    this.eventCounter.inc({ type, outcome });
  }

  /** A batch: counted once per (type, outcome), not once per event. */
  events(events: readonly { type: string }[], outcomeOf: (index: number) => Outcome): void {
    const counts = new Map<string, number>();
    events.forEach((e, i) => {
      const key = `${outcomeOf(i)} ${e.type}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    });
    for (const [key, n] of counts) {
      const [outcome, type] = key.split(" ") as [Outcome, string];
      this.eventCounter.inc({ type, outcome }, n);
    }
  }

  rescored(seconds: number, source: string, published: boolean): void {
    this.rescore.observe({ source }, seconds);
    if (published) this.published.inc();
  }

  pushed(): void {
    this.pushes.inc();
  }

  redisCommand(command: string, seconds: number, failed: boolean): void {
    this.redisDuration.observe({ command }, seconds);
    if (failed) this.redisErrors.inc({ command });
  }

  httpRequest(route: Route, method: string, status: number, seconds: number): void {
    this.http.observe({ route, method, status: String(status) }, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

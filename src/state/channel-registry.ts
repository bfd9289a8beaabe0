import type { Unsubscribe } from "./store.ts";

interface Channel<S> {
  readonly handlers: Set<(message: string) => void>;
  readonly resyncs: Set<() => void>;
  /** What the store keeps of the channel (the Cluster store: where it is subscribed). */
  readonly state: S;
}

/**
 * The subscribers of each channel of a Redis store: many subscribers of one session share
 * one Redis subscription, which the store takes for the first and drops after the last.
 * Both Redis stores keep their subscribers here; how a channel is subscribed in Redis
 * (SUBSCRIBE on one connection, SSUBSCRIBE on the master of its slot) is theirs.
 */
export class ChannelRegistry<S = undefined> {
  private readonly channels = new Map<string, Channel<S>>();

  constructor(private readonly initial: () => S) {}

  /** Adds a subscriber; `first`: no one held the channel before. */
  add(
    channel: string,
    onMessage: (message: string) => void,
    onResync?: () => void,
  ): { first: boolean; entry: Channel<S> } {
    let entry = this.channels.get(channel);
    const first = entry === undefined;
    if (!entry) {
      entry = { handlers: new Set(), resyncs: new Set(), state: this.initial() };
      this.channels.set(channel, entry);
    }
    entry.handlers.add(onMessage);
    if (onResync) entry.resyncs.add(onResync);
    return { first, entry };
  }

  /**
   * Removes a subscriber; true when it was the channel's last (the store then drops the
   * Redis subscription). A subscriber of a channel replaced meanwhile is ignored.
   */
  remove(
    channel: string,
    onMessage: (message: string) => void,
    onResync?: () => void,
    entry?: Channel<S>,
  ): boolean {
    const cur = this.channels.get(channel);
    if (!cur || (entry !== undefined && cur !== entry)) return false;
    cur.handlers.delete(onMessage);
    if (onResync) cur.resyncs.delete(onResync);
    if (cur.handlers.size > 0) return false;
    this.channels.delete(channel);
    return true;
  }

  get(channel: string): Channel<S> | undefined {
    return this.channels.get(channel);
  }

  deliver(channel: string, message: string): void {
    const entry = this.channels.get(channel);
    if (entry) for (const h of entry.handlers) h(message);
  }

  /** Tells the channel's subscribers to read the current state again. */
  resync(channel: string): void {
    const entry = this.channels.get(channel);
    if (!entry) return;
    for (const r of entry.resyncs) {
      try {
        r();
      } catch {
        // a subscriber's own problem
      }
    }
  }

  entries(): IterableIterator<[string, Channel<S>]> {
    return this.channels.entries();
  }

  names(): string[] {
    return [...this.channels.keys()];
  }

  get size(): number {
    return this.channels.size;
  }

  clear(): void {
    this.channels.clear();
  }

  /** The unsubscribe of one subscriber: once only, whatever the caller does. */
  static once(fn: () => Promise<void>): Unsubscribe {
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      await fn();
    };
  }
}

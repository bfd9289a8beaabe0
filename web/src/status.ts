import { useSyncExternalStore } from "react";

let connection = "idle";
const listeners = new Set<() => void>();

/** What the subscription transport is doing now (shown in the header). */
export function setConnection(value: string): void {
  connection = value;
  for (const l of listeners) l();
}

export function useConnection(): string {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => connection,
  );
}

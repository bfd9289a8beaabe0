import type { Scorer } from "./scorer.ts";

/**
 * The scorer in use. Swapping is one assignment, so a new model takes effect for the
 * next list ranked, with no restart and no request seeing half of each.
 */
export class ModelHolder {
  private current: Scorer;
  private swaps = 0;

  constructor(initial: Scorer) {
    this.current = initial;
  }

  get scorer(): Scorer {
    return this.current;
  }

  get generation(): number {
    return this.swaps;
  }

  swap(next: Scorer): void {
    this.current = next;
    this.swaps++;
  }
}

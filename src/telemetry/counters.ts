/**
 * In-process counters keyed by name and label values. Every logged failure also
 * increments one of these with the same labels, so logs and numbers agree.
 */
export class Counters {
  private readonly values = new Map<string, number>();

  increment(name: string, labels: Record<string, string> = {}, by = 1): void {
    const key = counterKey(name, labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  get(name: string, labels: Record<string, string> = {}): number {
    return this.values.get(counterKey(name, labels)) ?? 0;
  }

  /** Sum over every label combination of one counter. */
  total(name: string): number {
    let sum = 0;
    for (const [key, value] of this.values) {
      if (key === name || key.startsWith(`${name}{`)) sum += value;
    }
    return sum;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.values].sort(([a], [b]) => a.localeCompare(b)));
  }
}

function counterKey(name: string, labels: Record<string, string>): string {
  const names = Object.keys(labels);
  if (names.length === 0) return name;
  return `${name}{${names
    .sort()
    .map((label) => `${label}="${labels[label]}"`)
    .join(',')}}`;
}

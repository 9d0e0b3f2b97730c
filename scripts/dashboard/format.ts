// Number and time formatting for the rendered dashboard, for the Grafana units
// that deploy/grafana/dashboard.json uses: short, s, bytes and percentunit.
// Another unit is shown as a plain number followed by its name.

interface Scale {
  divisor: number;
  suffix: string;
}

/**
 * Formats `value` in `unit`. On an axis, `axis.reference` (the largest tick)
 * picks the scale so that every tick uses the same one, and `axis.step` sets
 * the decimals.
 */
export function formatValue(value: number, unit: string, axis?: { reference: number; step: number }): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  const reference = Math.abs(axis?.reference ?? value);
  const scale = scaleFor(unit, reference);
  const step = axis === undefined ? undefined : axis.step / scale.divisor;
  return `${trimNumber(value / scale.divisor, step)}${scale.suffix}`;
}

/** Returns the divisor that formatValue applies to values near `reference` in `unit`, so that axis ticks can be round in the shown scale. */
export function displayDivisor(unit: string, reference: number): number {
  return scaleFor(unit, Math.abs(reference)).divisor;
}

function scaleFor(unit: string, reference: number): Scale {
  switch (unit) {
    case 's':
      if (reference === 0) return { divisor: 1, suffix: ' s' };
      if (reference < 1) return { divisor: 0.001, suffix: ' ms' };
      if (reference < 120) return { divisor: 1, suffix: ' s' };
      if (reference < 7200) return { divisor: 60, suffix: ' min' };
      if (reference < 172_800) return { divisor: 3600, suffix: ' h' };
      return { divisor: 86_400, suffix: ' d' };
    case 'bytes': {
      const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
      let power = 0;
      while (power < units.length - 1 && reference >= 1024 ** (power + 1)) power += 1;
      return { divisor: 1024 ** power, suffix: ` ${units[power]}` };
    }
    case 'percentunit':
      return { divisor: 0.01, suffix: '%' };
    case 'short':
    case '': {
      const scales: Scale[] = [
        { divisor: 1e12, suffix: ' T' },
        { divisor: 1e9, suffix: ' B' },
        { divisor: 1e6, suffix: ' M' },
        { divisor: 1e3, suffix: ' K' },
      ];
      return scales.find((scale) => reference >= scale.divisor) ?? { divisor: 1, suffix: '' };
    }
    default:
      return { divisor: 1, suffix: ` ${unit}` };
  }
}

/** Formats a number with the decimals its step needs (or about 3 significant digits without a step), without trailing zeros. */
function trimNumber(value: number, step?: number): string {
  let decimals: number;
  if (step !== undefined && step > 0) {
    decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  } else {
    const magnitude = Math.abs(value);
    if (magnitude >= 100 || magnitude === 0) decimals = 0;
    else if (magnitude >= 10) decimals = 1;
    else if (magnitude >= 1) decimals = 2;
    else decimals = 3;
  }
  const text = value.toFixed(decimals);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** About `count` evenly spaced round tick values (1, 2 or 5 times a power of ten) covering [min, max]. */
export function niceTicks(min: number, max: number, count: number): { ticks: number[]; step: number; min: number; max: number } {
  const span = max - min || Math.abs(max) || 1;
  const rough = span / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const multiplier = [1, 2, 5].find((candidate) => fraction <= candidate) ?? 10;
  const step = multiplier * power;
  const low = Math.floor(min / step) * step;
  const high = Math.max(Math.ceil(max / step) * step, low + step);
  const ticks: number[] = [];
  for (let tick = low; tick <= high + step / 2; tick += step) ticks.push(Number(tick.toPrecision(12)));
  return { ticks, step, min: low, max: high };
}

/** HH:MM:SS in UTC. */
export function formatClock(timeMs: number): string {
  return new Date(timeMs).toISOString().slice(11, 19);
}

/** Escapes text for HTML and SVG content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// SVG charts for the rendered dashboard: time series drawn as lines or bars
// (stacked or side by side) with value and time axes, and the small area chart
// behind a stat value. Values are NaN where a series has no point, and lines break there.
import { displayDivisor, escapeHtml, formatClock, formatValue, niceTicks } from './format.ts';

export interface ChartSeries {
  name: string;
  color: string;
  /** One value per entry of the chart's `timesMs`, NaN where the series has none. */
  values: number[];
}

export interface TimeseriesStyle {
  width: number;
  height: number;
  timesMs: number[];
  unit: string;
  drawStyle: 'line' | 'bars';
  stacked: boolean;
  /** Fill under lines, in percent as Grafana's fillOpacity. */
  fillOpacity: number;
  lineWidth: number;
}

const axisColor = '#8e8e9a';
const gridColor = '#2c3235';
const font = 'font-family="Inter, Helvetica, Arial, sans-serif" font-size="11"';

/** Draws a time series chart. Returns an SVG element as text. */
export function timeseriesSvg(series: ChartSeries[], style: TimeseriesStyle): string {
  const { width, height, timesMs, unit } = style;
  const stackedTops = style.stacked ? stackValues(series) : series.map((item) => item.values);
  const allValues = stackedTops.flat().filter((value) => Number.isFinite(value));
  const dataMax = Math.max(0, ...allValues);
  const dataMin = Math.min(0, ...allValues);

  const divisor = displayDivisor(unit, Math.max(Math.abs(dataMax), Math.abs(dataMin)));
  const tickCount = Math.max(2, Math.floor(height / 45));
  const scaled = niceTicks(dataMin / divisor, dataMax === dataMin ? dataMin / divisor + 1 : dataMax / divisor, tickCount);
  const yTicks = scaled.ticks.map((tick) => tick * divisor);
  const yMin = scaled.min * divisor;
  const yMax = scaled.max * divisor;
  const axis = { reference: Math.max(Math.abs(yMin), Math.abs(yMax)), step: scaled.step * divisor };

  const left = 8 + Math.max(...yTicks.map((tick) => formatValue(tick, unit, axis).length)) * 6.4;
  const right = width - 10;
  const top = 6;
  const bottom = height - 20;
  const startMs = timesMs[0] ?? 0;
  const endMs = timesMs.at(-1) ?? startMs + 1;
  const x = (timeMs: number): number => left + ((timeMs - startMs) / Math.max(1, endMs - startMs)) * (right - left);
  const y = (value: number): number => bottom - ((value - yMin) / (yMax - yMin)) * (bottom - top);

  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`];
  for (const tick of yTicks) {
    parts.push(`<line x1="${left}" x2="${right}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" stroke="${gridColor}" stroke-width="1"/>`);
    parts.push(`<text x="${left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end" fill="${axisColor}" ${font}>${escapeHtml(formatValue(tick, unit, axis))}</text>`);
  }
  for (const tickMs of timeTicks(startMs, endMs, right - left)) {
    parts.push(`<line x1="${x(tickMs).toFixed(1)}" x2="${x(tickMs).toFixed(1)}" y1="${top}" y2="${bottom}" stroke="${gridColor}" stroke-width="1"/>`);
    // A label centred on a tick near the chart edge would be cut off, so it is aligned to that edge instead.
    const halfLabel = 26;
    let anchor = 'middle';
    let labelX = x(tickMs);
    if (labelX - halfLabel < 0) {
      anchor = 'start';
      labelX = 0;
    } else if (labelX + halfLabel > width) {
      anchor = 'end';
      labelX = width;
    }
    parts.push(`<text x="${labelX.toFixed(1)}" y="${height - 5}" text-anchor="${anchor}" fill="${axisColor}" ${font}>${formatClock(tickMs)}</text>`);
  }

  if (style.drawStyle === 'bars') {
    parts.push(...bars(series, stackedTops, style, x, y, (right - left) / Math.max(1, timesMs.length)));
  } else {
    series.forEach((item, index) => parts.push(...line(item.color, stackedTops[index]!, style, x, y, Math.max(yMin, 0))));
  }
  parts.push('</svg>');
  return parts.join('');
}

/** Draws the area chart behind a stat value, scaled to the series' own range. */
export function sparklineSvg(values: number[], width: number, height: number, color: string): string {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length < 2) return '';
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const span = max - min || 1;
  const x = (index: number): number => (index / Math.max(1, values.length - 1)) * width;
  const y = (value: number): number => height - 2 - ((value - min) / span) * (height - 4);

  const segments = contiguousSegments(values);
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none">`];
  for (const segment of segments) {
    const points = segment.map((index) => `${x(index).toFixed(1)},${y(values[index]!).toFixed(1)}`);
    const area = `${x(segment[0]!).toFixed(1)},${height} ${points.join(' ')} ${x(segment.at(-1)!).toFixed(1)},${height}`;
    parts.push(`<polygon points="${area}" fill="${color}" fill-opacity="0.18"/>`);
    parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="1.5" stroke-opacity="0.8"/>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

function line(color: string, values: number[], style: TimeseriesStyle, x: (timeMs: number) => number, y: (value: number) => number, baseline: number): string[] {
  const parts: string[] = [];
  for (const segment of contiguousSegments(values)) {
    const points = segment.map((index) => `${x(style.timesMs[index]!).toFixed(1)},${y(values[index]!).toFixed(1)}`);
    if (segment.length === 1) {
      parts.push(`<circle cx="${x(style.timesMs[segment[0]!]!).toFixed(1)}" cy="${y(values[segment[0]!]!).toFixed(1)}" r="2" fill="${color}"/>`);
      continue;
    }
    if (style.fillOpacity > 0) {
      const first = x(style.timesMs[segment[0]!]!).toFixed(1);
      const last = x(style.timesMs[segment.at(-1)!]!).toFixed(1);
      const base = y(baseline).toFixed(1);
      parts.push(`<polygon points="${first},${base} ${points.join(' ')} ${last},${base}" fill="${color}" fill-opacity="${style.fillOpacity / 100}"/>`);
    }
    parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="${Math.max(1.5, style.lineWidth)}" stroke-linejoin="round"/>`);
  }
  return parts;
}

/** Bars centred on each step: stacked on each other, or side by side within the step when not stacked. */
function bars(series: ChartSeries[], tops: number[][], style: TimeseriesStyle, x: (timeMs: number) => number, y: (value: number) => number, slot: number): string[] {
  const parts: string[] = [];
  const groupWidth = Math.max(1, slot * 0.8);
  const barWidth = style.stacked ? groupWidth : Math.max(1, groupWidth / Math.max(1, series.length));
  series.forEach((item, seriesIndex) => {
    const seriesTops = tops[seriesIndex]!;
    style.timesMs.forEach((timeMs, index) => {
      const value = item.values[index]!;
      if (!Number.isFinite(value) || value === 0) return;
      const topValue = seriesTops[index]!;
      const bottomValue = style.stacked ? topValue - value : 0;
      const left = style.stacked ? x(timeMs) - groupWidth / 2 : x(timeMs) - groupWidth / 2 + seriesIndex * barWidth;
      const yTop = Math.min(y(topValue), y(bottomValue));
      const barHeight = Math.abs(y(bottomValue) - y(topValue));
      parts.push(`<rect x="${left.toFixed(1)}" y="${yTop.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${Math.max(1, barHeight).toFixed(1)}" fill="${item.color}" fill-opacity="0.85"/>`);
    });
  });
  return parts;
}

/** Running totals of the series in order, so each stacked series is drawn from the top of the previous one. */
function stackValues(series: ChartSeries[]): number[][] {
  const tops: number[][] = [];
  let running: number[] = [];
  for (const item of series) {
    const next = item.values.map((value, index) => {
      if (!Number.isFinite(value)) return Number.NaN;
      const below = running[index];
      return below !== undefined && Number.isFinite(below) ? value + below : value;
    });
    tops.push(next);
    running = next.map((value, index) => (Number.isFinite(value) ? value : (running[index] ?? Number.NaN)));
  }
  return tops;
}

/** Index runs where `values` is finite. */
function contiguousSegments(values: number[]): number[][] {
  const segments: number[][] = [];
  let current: number[] = [];
  values.forEach((value, index) => {
    if (Number.isFinite(value)) {
      current.push(index);
    } else if (current.length > 0) {
      segments.push(current);
      current = [];
    }
  });
  if (current.length > 0) segments.push(current);
  return segments;
}

/** Time ticks on whole multiples of a round interval, about one per 110 px. */
function timeTicks(startMs: number, endMs: number, widthPx: number): number[] {
  const targetCount = Math.max(2, Math.floor(widthPx / 110));
  const intervalsMs = [5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];
  const intervalMs = intervalsMs.find((interval) => (endMs - startMs) / interval <= targetCount) ?? intervalsMs.at(-1)!;
  const ticks: number[] = [];
  for (let tick = Math.ceil(startMs / intervalMs) * intervalMs; tick <= endMs; tick += intervalMs) ticks.push(tick);
  return ticks;
}

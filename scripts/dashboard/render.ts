// Renders deploy/grafana/dashboard.json as a static HTML page from the metrics
// that record.ts scraped, and optionally takes a PNG screenshot of it. Each
// panel's queries are evaluated by promql-eval.ts. A query outside its subset
// leaves a "not evaluated" note on the panel instead of a chart. The page has
// no external resources, so it renders offline.
//
//   node scripts/dashboard/render.ts [--samples .cache/dashboard/samples.json]
//     [--dashboard deploy/grafana/dashboard.json] [--out .cache/dashboard/dashboard.html]
//     [--png docs/images/dashboard.png] [--include-shutdown]
//
// The time range runs from the first scrape to the last one before SIGTERM,
// so the stat panels show the running connector. --include-shutdown extends it
// to the last scrape, after the connector exited.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../kafka/broker.ts';
import { sparklineSvg, timeseriesSvg, type ChartSeries } from './charts.ts';
import { escapeHtml, formatClock, formatValue } from './format.ts';
import { evaluateRange, SampleStore } from './promql-eval.ts';
import { parseQuery, UnsupportedQueryError } from './promql-parser.ts';
import { readSamplesFile } from './samples.ts';
import { takeScreenshot } from './screenshot.ts';

interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface Target {
  expr?: string;
  legendFormat?: string;
  refId?: string;
}

interface ThresholdStep {
  color: string;
  value: number | null;
}

interface Panel {
  type: string;
  id: number;
  title: string;
  gridPos: GridPos;
  collapsed?: boolean;
  panels?: Panel[];
  targets?: Target[];
  fieldConfig?: {
    defaults?: {
      unit?: string;
      thresholds?: { steps?: ThresholdStep[] };
      custom?: { drawStyle?: string; fillOpacity?: number; lineWidth?: number; stacking?: { mode?: string } };
    };
  };
}

interface TemplateVariable {
  name: string;
  includeAll?: boolean;
  allValue?: string;
}

interface Dashboard {
  title: string;
  panels: Panel[];
  templating?: { list?: TemplateVariable[] };
}

/** A panel's query results, or the reasons its queries were not evaluated. */
interface PanelData {
  series: ChartSeries[];
  notEvaluated: string[];
}

const { values: options } = parseArgs({
  options: {
    samples: { type: 'string', default: join(repoRoot, '.cache', 'dashboard', 'samples.json') },
    dashboard: { type: 'string', default: join(repoRoot, 'deploy', 'grafana', 'dashboard.json') },
    out: { type: 'string', default: join(repoRoot, '.cache', 'dashboard', 'dashboard.html') },
    png: { type: 'string' },
    'include-shutdown': { type: 'boolean', default: false },
  },
});

// Grafana's grid: 24 columns, rows of 30 px with 8 px gaps.
const pageWidth = 1600;
const pagePadding = 16;
const gridRowHeight = 30;
const gap = 8;
const columnWidth = (pageWidth - 2 * pagePadding - 23 * gap) / 24;
const headerHeight = 176;
const panelTitleHeight = 30;

/** Colours given to a panel's series in order, from Grafana's dark theme palette. */
const palette = ['#73bf69', '#f2cc0c', '#5794f2', '#ff9830', '#f2495c', '#b877d9', '#8ab8ff', '#fade2a', '#ff7383', '#56a64b', '#ca95e5', '#ffb357'];
const thresholdColours: Record<string, string> = { green: '#73bf69', red: '#f2495c', orange: '#ff9830', yellow: '#fade2a', blue: '#5794f2', purple: '#b877d9' };

/** Query results and evaluation times per panel id, filled on first use. */
const panelDataCache = new Map<number, PanelData>();
const timesCache = new Map<number, number[]>();

const samples = readSamplesFile(resolve(options.samples));
const dashboard = JSON.parse(readFileSync(resolve(options.dashboard), 'utf8')) as Dashboard;
const store = new SampleStore(samples);

const firstScrapeMs = samples.scrapes[0]?.timeMs;
const lastScrapeMs = samples.scrapes.at(-1)?.timeMs;
if (firstScrapeMs === undefined || lastScrapeMs === undefined) throw new Error(`${options.samples} contains no scrapes. Run scripts/dashboard/record.ts again.`);
const sigtermMs = samples.sigtermSentAt === undefined ? undefined : Date.parse(samples.sigtermSentAt);
const lastRunningScrapeMs = samples.scrapes.filter((scrape) => sigtermMs === undefined || scrape.timeMs <= sigtermMs).at(-1)?.timeMs ?? lastScrapeMs;
const rangeStartMs = firstScrapeMs;
const recordedEndMs = lastScrapeMs;
const rangeEndMs = options['include-shutdown'] ? recordedEndMs : lastRunningScrapeMs;

const visiblePanels = visible(dashboard.panels);
const pageHeight = headerHeight + Math.max(...visiblePanels.map((panel) => top(panel.gridPos) + height(panel.gridPos))) + pagePadding;
const panelHtml = visiblePanels.map((panel) => renderPanel(panel));
const notEvaluated = visiblePanels.flatMap((panel) => (panel.targets === undefined ? [] : panelDataCache.get(panel.id)?.notEvaluated.map((reason) => `Panel "${panel.title}": ${reason}`) ?? []));

const html = page(panelHtml.join('\n'), notEvaluated.length);
const outPath = resolve(options.out);
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, html);
process.stdout.write(`Wrote ${relative(repoRoot, outPath)} (${visiblePanels.length} panels, ${pageWidth} × ${pageHeight} px)\n`);
for (const reason of notEvaluated) process.stdout.write(`${reason}\n`);

if (options.png !== undefined) {
  const pngPath = resolve(options.png);
  mkdirSync(dirname(pngPath), { recursive: true });
  takeScreenshot(outPath, pngPath, pageWidth, pageHeight);
  process.stdout.write(`Wrote ${relative(repoRoot, pngPath)}\n`);
}

/**
 * Top-level panels that have a position. Children of a collapsed row sit in
 * that row's own `panels` list, so they are left out, as Grafana hides them.
 */
function visible(panels: Panel[]): Panel[] {
  return panels.filter((panel) => panel.gridPos !== undefined);
}

function top(grid: GridPos): number {
  return grid.y * (gridRowHeight + gap);
}

function height(grid: GridPos): number {
  return grid.h * gridRowHeight + (grid.h - 1) * gap;
}

function left(grid: GridPos): number {
  return pagePadding + grid.x * (columnWidth + gap);
}

function width(grid: GridPos): number {
  return grid.w * columnWidth + (grid.w - 1) * gap;
}

/**
 * Grafana's $__interval for a panel: the time range divided by the panel width
 * in pixels (its default max data points), but not below the data source's
 * scrape interval, which is assumed to match the recorded one.
 */
function intervalMs(panelWidthPx: number): number {
  const perPixel = (rangeEndMs - rangeStartMs) / Math.max(1, panelWidthPx);
  return Math.max(samples.scrapeIntervalMs, Math.ceil(perPixel / 1000) * 1000);
}

/** Replaces Grafana variables: $job becomes its "All" value, $__interval and $__rate_interval their computed durations. */
function substituteVariables(expr: string, panelIntervalMs: number): string {
  // Grafana's $__rate_interval is max($__interval + scrape interval, 4 × scrape interval).
  const rateIntervalMs = Math.max(panelIntervalMs + samples.scrapeIntervalMs, 4 * samples.scrapeIntervalMs);
  const builtIn: Record<string, string> = { __interval: `${panelIntervalMs / 1000}s`, __rate_interval: `${rateIntervalMs / 1000}s` };
  return expr.replace(/\$\{(\w+)\}|\$(\w+)|\[\[(\w+)\]\]/g, (whole, braced?: string, plain?: string, bracketed?: string) => {
    const name = braced ?? plain ?? bracketed ?? '';
    if (builtIn[name] !== undefined) return builtIn[name];
    const variable = dashboard.templating?.list?.find((item) => item.name === name);
    if (variable?.includeAll === true && variable.allValue !== undefined) return variable.allValue;
    throw new UnsupportedQueryError(`variable ${whole} has no value here (only "All" values of multi-value variables are known)`);
  });
}

function panelData(panel: Panel): PanelData {
  const cached = panelDataCache.get(panel.id);
  if (cached) return cached;

  const step = intervalMs(width(panel.gridPos));
  const times: number[] = [];
  for (let time = Math.ceil(rangeStartMs / step) * step; time <= rangeEndMs; time += step) times.push(time);

  const data: PanelData = { series: [], notEvaluated: [] };
  for (const target of panel.targets ?? []) {
    if (target.expr === undefined || target.expr.trim() === '') continue;
    try {
      const query = parseQuery(substituteVariables(target.expr, step));
      const results = evaluateRange(store, query, times).sort((a, b) => labelText(a.labels).localeCompare(labelText(b.labels)));
      for (const result of results) {
        data.series.push({ name: legendName(target.legendFormat, result.labels), color: palette[data.series.length % palette.length]!, values: result.values });
      }
    } catch (error) {
      if (!(error instanceof UnsupportedQueryError)) throw error;
      data.notEvaluated.push(`Not evaluated, query ${target.refId ?? '?'}: ${error.message}`);
    }
  }
  panelDataCache.set(panel.id, data);
  timesCache.set(panel.id, times);
  return data;
}

function legendName(format: string | undefined, labels: Record<string, string>): string {
  if (format === undefined || format.trim() === '' || format === '__auto') return labelText(labels) || 'value';
  return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_whole, label: string) => labels[label] ?? '').trim();
}

function labelText(labels: Record<string, string>): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '' : `{${entries.map(([name, value]) => `${name}="${value}"`).join(', ')}}`;
}

function renderPanel(panel: Panel): string {
  const grid = panel.gridPos;
  const box = `left:${left(grid).toFixed(1)}px;top:${headerHeight + top(grid)}px;width:${width(grid).toFixed(1)}px;height:${height(grid)}px`;
  if (panel.type === 'row') {
    return `<div class="row" style="${box}">${panel.collapsed === true ? '&#9656;' : '&#9662;'} ${escapeHtml(panel.title)}</div>`;
  }

  const bodyWidth = Math.floor(width(grid)) - 16;
  const bodyHeight = height(grid) - panelTitleHeight - 8;
  let body: string;
  if (panel.type === 'stat') {
    body = renderStat(panel, bodyWidth, bodyHeight);
  } else if (panel.type === 'timeseries') {
    body = renderTimeseries(panel, bodyWidth, bodyHeight);
  } else {
    body = `<div class="note">Panel type ${escapeHtml(panel.type)} not rendered: this page draws stat and time series panels only.</div>`;
  }
  return `<div class="panel" style="${box}"><div class="title">${escapeHtml(panel.title)}</div><div class="body" style="height:${bodyHeight}px">${body}</div></div>`;
}

/** Height of the wrapped notes, estimated like the legend at about 6.5 px per character and 16 px per line. */
function notesHeight(data: PanelData, widthPx: number): number {
  return data.notEvaluated.reduce((total, reason) => total + Math.ceil((reason.length * 6.5) / widthPx) * 16, 0);
}

function notes(data: PanelData): string {
  return data.notEvaluated.map((reason) => `<div class="note">${escapeHtml(reason)}</div>`).join('');
}

function renderStat(panel: Panel, bodyWidth: number, bodyHeight: number): string {
  const data = panelData(panel);
  const unit = panel.fieldConfig?.defaults?.unit ?? 'short';
  const steps = panel.fieldConfig?.defaults?.thresholds?.steps ?? [];
  if (data.series.length === 0) return `${notes(data)}${data.notEvaluated.length === 0 ? '<div class="no-data">No data</div>' : ''}`;

  // Grafana's lastNotNull reduction, for each series of the panel, stacked vertically below any notes.
  const noteHeight = notesHeight(data, bodyWidth);
  const statHeight = Math.floor((bodyHeight - noteHeight) / data.series.length);
  const cells = data.series.map((series) => {
    const last = [...series.values].reverse().find((value) => Number.isFinite(value));
    const colour = last === undefined ? '#8e8e9a' : thresholdColour(steps, last);
    const text = last === undefined ? 'No data' : formatValue(last, unit);
    const spark = sparklineSvg(series.values, bodyWidth, Math.round(statHeight * 0.55), colour);
    return `<div class="stat" style="height:${statHeight}px"><div class="spark">${spark}</div><div class="stat-value" style="color:${colour}">${escapeHtml(text)}</div></div>`;
  });
  return `${notes(data)}${cells.join('')}`;
}

function thresholdColour(steps: ThresholdStep[], value: number): string {
  let colour = 'green';
  for (const step of steps) {
    if (step.value === null || value >= step.value) colour = step.color;
  }
  return thresholdColours[colour] ?? colour;
}

function renderTimeseries(panel: Panel, bodyWidth: number, bodyHeight: number): string {
  const data = panelData(panel);
  const custom = panel.fieldConfig?.defaults?.custom ?? {};
  const hasValues = data.series.some((series) => series.values.some((value) => Number.isFinite(value)));
  if (!hasValues) {
    return `${notes(data)}${data.notEvaluated.length === 0 || data.series.length > 0 ? '<div class="no-data">No data</div>' : ''}`;
  }

  const legend = data.series
    .map((series) => `<span class="legend-item"><span class="swatch" style="background:${series.color}"></span>${escapeHtml(series.name)}</span>`)
    .join('');
  const legendHeight = legendRowCount(data.series.map((series) => series.name), bodyWidth) * 18 + 4;
  const noteHeight = notesHeight(data, bodyWidth);
  const chart = timeseriesSvg(data.series, {
    width: bodyWidth,
    height: bodyHeight - legendHeight - noteHeight,
    timesMs: timesCache.get(panel.id)!,
    unit: panel.fieldConfig?.defaults?.unit ?? 'short',
    drawStyle: custom.drawStyle === 'bars' ? 'bars' : 'line',
    stacked: custom.stacking?.mode === 'normal',
    fillOpacity: custom.fillOpacity ?? 0,
    lineWidth: custom.lineWidth ?? 1,
  });
  return `${chart}<div class="legend">${legend}</div>${notes(data)}`;
}

/**
 * Rows that the legend wraps into at `widthPx`, estimated from the label
 * lengths at about 6.5 px per character of the 12 px font, plus the swatch and gap.
 */
function legendRowCount(names: string[], widthPx: number): number {
  let rows = 1;
  let used = 0;
  for (const name of names) {
    const itemWidth = 20 + name.length * 6.5 + 16;
    if (used > 0 && used + itemWidth > widthPx) {
      rows += 1;
      used = 0;
    }
    used += itemWidth;
  }
  return rows;
}

function page(panels: string, notEvaluatedCount: number): string {
  const timeline = samples.events.filter((event) => event.timeMs <= rangeEndMs).map((event) => `<li><b>${formatClock(event.timeMs)}</b> ${escapeHtml(event.text)}</li>`).join('');
  const range = `${samples.startedAt.slice(0, 10)} ${formatClock(rangeStartMs)} to ${formatClock(rangeEndMs)} UTC`;
  const evaluationNote = notEvaluatedCount === 0 ? ' Every panel query was evaluated.' : ` ${notEvaluatedCount} queries were not evaluated; their panels say so.`;
  const rangeNote = rangeEndMs < recordedEndMs ? ' The time range ends at the last scrape before SIGTERM, so the shutdown is not shown.' : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(dashboard.title)}</title>
<style>${styles()}</style>
</head>
<body>
<header>
  <div class="heading"><span class="dashboard-title">${escapeHtml(dashboard.title)}</span>
    <span class="controls"><span class="control">Job: All</span><span class="control">${escapeHtml(range)}</span></span></div>
  <div class="provenance">Static rendering by scripts/dashboard/render.ts of deploy/grafana/dashboard.json, not a Grafana screenshot. The queries were evaluated on /metrics scrapes (every ${samples.scrapeIntervalMs / 1000} s) of one local run of the connector against a local Kafka broker and the mediarithmics stand-in: ${escapeHtml(samples.description[1] ?? '')}.${rangeNote}${evaluationNote}</div>
  <ul class="timeline"><li class="timeline-label">Run events:</li>${timeline}</ul>
</header>
${panels}
</body>
</html>
`;

  function styles(): string {
    return `
* { box-sizing: border-box; }
body { margin: 0; width: ${pageWidth}px; height: ${pageHeight}px; position: relative; background: #111217; color: #ccccdc; font: 13px/1.35 Inter, Helvetica, Arial, sans-serif; overflow: hidden; }
header { position: absolute; left: ${pagePadding}px; top: 12px; width: ${pageWidth - 2 * pagePadding}px; height: ${headerHeight - 20}px; }
.heading { display: flex; justify-content: space-between; align-items: center; }
.dashboard-title { font-size: 20px; font-weight: 500; color: #e0e0ea; }
.controls { display: flex; gap: 8px; }
.control { border: 1px solid #34373e; background: #181b1f; border-radius: 2px; padding: 4px 10px; }
.provenance { margin-top: 10px; padding: 6px 10px; border-left: 3px solid #5794f2; background: #181b1f; color: #b8b8c8; }
.timeline { list-style: none; margin: 8px 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 18px; color: #a8a8b8; font-size: 12px; }
.timeline-label { color: #8e8e9a; }
.timeline b { color: #d8d9da; font-weight: 500; }
.row { position: absolute; font-size: 15px; font-weight: 500; color: #e0e0ea; padding-top: 6px; border-bottom: 1px solid #2c3235; }
.panel { position: absolute; background: #181b1f; border: 1px solid #25282d; border-radius: 2px; overflow: hidden; }
.title { height: ${panelTitleHeight}px; padding: 7px 8px 0; font-weight: 500; color: #d8d9da; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.body { position: relative; margin: 0 8px 8px; }
.stat { position: relative; }
.spark { position: absolute; left: 0; right: 0; bottom: 0; }
.stat-value { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center; font-size: 38px; font-weight: 500; }
.legend { display: flex; flex-wrap: wrap; gap: 2px 16px; font-size: 12px; line-height: 16px; color: #ccccdc; }
.legend-item { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; }
.swatch { display: inline-block; width: 14px; height: 4px; border-radius: 1px; }
.no-data { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center; color: #8e8e9a; font-size: 14px; }
.note { color: #ff9830; font-size: 12px; line-height: 16px; }
`;
  }
}

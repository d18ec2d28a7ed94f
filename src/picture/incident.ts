// Draws the incident picture: ready endpoints and restarts over time, the rollout revisions, the
// alert's firing span and the fixes, and the alert's own expression when Prometheus answered.
// Every label passes the redactor (it leaves the process, as pixels) and is drawn in ASCII.
import { redact } from '../redact.js';
import { Canvas, type Rgb } from './canvas.js';
import { LINE_HEIGHT, textWidth } from './font.js';
import type { IncidentPicture } from './model.js';

const WIDTH = 960;
const LEFT = 64;
const RIGHT = 24;
const PLOT_W = WIDTH - LEFT - RIGHT;

const INK: Rgb = [29, 28, 29];
const MUTED: Rgb = [97, 96, 97];
const GRID: Rgb = [232, 232, 232];
const READY: Rgb = [46, 160, 67];
const DESIRED: Rgb = [150, 150, 150];
const RESTARTS: Rgb = [217, 119, 6];
const REVISION: Rgb = [111, 66, 193];
const ALERT: Rgb = [220, 38, 38];
const FIX: Rgb = [37, 99, 235];
/** The colours of what is drawn (tests find the lines by them). */
export const PICTURE_COLOURS = {
  ready: READY,
  restarts: RESTARTS,
  revision: REVISION,
  alert: ALERT,
  fix: FIX,
} as const;

/** Colours of the alert expression's series: none is a colour of the marks above. */
export const SERIES: Rgb[] = [
  [8, 145, 178],
  [190, 24, 93],
  [101, 163, 13],
  [234, 88, 12],
  [79, 70, 229],
  [120, 113, 108],
];

const MINUTE = 60_000;
const TICKS = [1 / 6, 1 / 4, 1 / 2, 1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440].map(
  (m) => m * MINUTE,
);
const MAX_SPAN = 24 * 60 * MINUTE;
/** An incident of seconds (a quick fix) still fills the width. */
const MIN_SPAN = MINUTE;

/** A label as drawn: redacted, ASCII only (the font has nothing else), one line. */
export function pictureLabel(s: string): string {
  return redact(s)
    .replace(/[×✕]/g, 'x')
    .replace(/[→⟶]/g, '->')
    .replace(/[–—]/g, '-')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?');
}

interface Axis {
  from: number;
  to: number;
  x(t: number): number;
}

function timeAxis(p: IncidentPicture): Axis {
  const times = [
    ...p.ready.map((x) => x.at),
    ...p.restarts.map((x) => x.at),
    ...p.revisions.map((x) => x.at),
    ...p.fixes.map((x) => x.at),
    ...(p.alert ? [p.alert.from, p.alert.to ?? p.until] : []),
    p.until,
  ].map((s) => Date.parse(s));
  for (const s of p.metric?.series ?? []) for (const [t] of s.points) times.push(t * 1000);
  let to = Math.max(...times);
  let from = Math.min(...times);
  if (to - from > MAX_SPAN) from = to - MAX_SPAN;
  if (to - from < MIN_SPAN) from = to - MIN_SPAN;
  const pad = (to - from) * 0.04;
  from -= pad;
  to += pad;
  return {
    from,
    to,
    x: (t) => LEFT + ((Math.min(Math.max(t, from), to) - from) / (to - from)) * PLOT_W,
  };
}

function hhmm(t: number, withSeconds: boolean): string {
  const iso = new Date(t).toISOString();
  return withSeconds ? iso.slice(11, 19) : iso.slice(11, 16);
}

interface Panel {
  top: number;
  height: number;
  min: number;
  max: number;
  y(v: number): number;
}

function panel(top: number, height: number, min: number, max: number): Panel {
  const span = max - min || 1;
  return { top, height, min, max, y: (v) => top + height - ((v - min) / span) * height };
}

function drawPanelFrame(
  c: Canvas,
  p: Panel,
  title: string,
  ticks: number[],
  fmt: (v: number) => string,
): void {
  c.text(LEFT, p.top - 14, title, INK);
  for (const v of ticks) {
    const y = p.y(v);
    c.line(LEFT, y, LEFT + PLOT_W, y, GRID);
    c.text(LEFT - 6, y - 3, fmt(v), MUTED, { align: 'end' });
  }
  c.line(LEFT, p.top + p.height, LEFT + PLOT_W, p.top + p.height, MUTED);
  c.line(LEFT, p.top, LEFT, p.top + p.height, MUTED);
}

/** A mark's label beside its line, on the left of it when the right has no room. */
function markLabel(c: Canvas, x: number, y: number, text: string, colour: Rgb): void {
  const label = pictureLabel(text);
  const room = LEFT + PLOT_W - x - 4;
  if (textWidth(label) <= room) c.text(x + 4, y, label, colour);
  else c.text(x - 4, y, label, colour, { align: 'end', maxWidth: Math.max(60, x - LEFT - 8) });
}

function integerTicks(max: number): number[] {
  const step = Math.max(1, Math.ceil(max / 4));
  const out: number[] = [];
  for (let v = 0; v <= max; v += step) out.push(v);
  return out;
}

function niceTicks(min: number, max: number): number[] {
  const span = max - min || Math.abs(max) || 1;
  const raw = span / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

function shortNumber(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1e9) return `${(v / 1e9).toPrecision(3)}G`;
  if (abs >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (abs >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  return String(Number(v.toPrecision(4)));
}

/** A step series: flat until the next point, then up or down. */
function drawSteps(
  c: Canvas,
  a: Axis,
  p: Panel,
  points: { at: string; value: number }[],
  colour: Rgb,
  fill: boolean,
): void {
  const pts = points.map((x) => ({ t: Date.parse(x.at), v: x.value })).sort((m, n) => m.t - n.t);
  for (let i = 0; i < pts.length; i++) {
    const cur = pts[i] as { t: number; v: number };
    const next = pts[i + 1];
    const x0 = a.x(cur.t);
    const x1 = next ? a.x(next.t) : x0;
    const y = p.y(cur.v);
    if (fill && x1 > x0) c.fillRect(x0, y, x1 - x0, p.top + p.height - y, colour, 0.15);
    c.line(x0, y, x1, y, colour, 2);
    if (next) c.line(x1, y, x1, p.y(next.v), colour, 2);
  }
}

/** The first row below the title and legend: the panels and marks are drawn from here. */
export const PLOT_TOP = 76;
const FOOTER = 24;

/** The first row of the series legend under the graph (the rows between are the plot). */
export function seriesLegendTop(height: number, series: number): number {
  return height - FOOTER - 8 - series * LINE_HEIGHT;
}

export interface DrawnPicture {
  png: Buffer;
  width: number;
  height: number;
}

export function drawIncident(p: IncidentPicture): DrawnPicture {
  const a = timeAxis(p);
  const metric = p.metric;
  const legendLines = metric ? Math.max(1, metric.series.length) : 0;
  const readyTop = 92;
  const readyH = 120;
  const restartsTop = readyTop + readyH + 34;
  const restartsH = 70;
  const metricTop = restartsTop + restartsH + 34;
  const metricH = metric ? 130 : 0;
  const axisY = metric ? metricTop + metricH : restartsTop + restartsH;
  const height = axisY + 40 + (metric ? legendLines * LINE_HEIGHT + 8 : 0) + FOOTER;
  const c = new Canvas(WIDTH, height);

  c.text(LEFT, 12, pictureLabel(p.subject), INK, { scale: 2, maxWidth: PLOT_W });
  c.text(
    LEFT,
    36,
    'ready endpoints and restarts over time, rollout revisions, alert and fix (UTC)',
    MUTED,
  );
  // Legend of the marks that span every panel.
  let lx = LEFT;
  const legend = (colour: Rgb, text: string) => {
    c.fillRect(lx, 52, 10, 8, colour);
    lx += 14 + c.text(lx + 14, 52, text, MUTED) + 16;
  };
  legend(READY, 'ready endpoints');
  if (p.desired !== undefined) legend(DESIRED, 'desired replicas');
  legend(RESTARTS, 'restarts');
  if (p.revisions.length) legend(REVISION, 'revision rolled out');
  if (p.alert) legend(ALERT, 'alert firing');
  if (p.fixes.length) legend(FIX, 'fix applied');

  const bottom = axisY;
  // Alert span first, so everything else is drawn over it.
  if (p.alert) {
    const x0 = a.x(Date.parse(p.alert.from));
    const x1 = a.x(Date.parse(p.alert.to ?? p.until));
    c.fillRect(x0, readyTop, Math.max(2, x1 - x0), bottom - readyTop, ALERT, 0.1);
    c.line(x0, readyTop, x0, bottom, ALERT, 1);
    markLabel(c, x0, readyTop + 4, `${p.alert.name} firing`, ALERT);
  }

  const readyMax = Math.max(1, p.desired ?? 0, ...p.ready.map((x) => x.value));
  const rp = panel(readyTop, readyH, 0, readyMax);
  drawPanelFrame(c, rp, 'ready endpoints', integerTicks(readyMax), String);
  if (p.desired !== undefined)
    c.line(LEFT, rp.y(p.desired), LEFT + PLOT_W, rp.y(p.desired), DESIRED, 1, 6);
  drawSteps(c, a, rp, p.ready, READY, true);

  const restartMax = Math.max(1, ...p.restarts.map((x) => x.value));
  const sp = panel(restartsTop, restartsH, 0, restartMax);
  drawPanelFrame(c, sp, 'container restarts', integerTicks(restartMax), String);
  drawSteps(c, a, sp, p.restarts, RESTARTS, false);
  if (!p.restarts.length) c.text(LEFT + 8, restartsTop + restartsH / 2 - 3, 'no restarts', MUTED);

  if (metric) {
    const values = metric.series.flatMap((s) => s.points.map(([, v]) => v)).filter(Number.isFinite);
    const lo = values.length ? Math.min(...values) : 0;
    const hi = values.length ? Math.max(...values) : 1;
    const ticks = niceTicks(Math.min(lo, 0), hi === lo ? hi + 1 : hi);
    const mp = panel(metricTop, metricH, ticks[0] ?? 0, ticks.at(-1) ?? 1);
    drawPanelFrame(
      c,
      mp,
      pictureLabel(`alert expression: ${metric.expr}`).slice(0, 140),
      ticks,
      shortNumber,
    );
    metric.series.forEach((s, i) => {
      const colour = SERIES[i % SERIES.length] as Rgb;
      let prev: { x: number; y: number; t: number } | undefined;
      for (const [t, v] of s.points) {
        if (!Number.isFinite(v)) {
          prev = undefined;
          continue;
        }
        const pt = { x: a.x(t * 1000), y: mp.y(v), t };
        if (prev) c.line(prev.x, prev.y, pt.x, pt.y, colour, 2);
        else c.dot(pt.x, pt.y, 1, colour);
        prev = pt;
      }
    });
    if (metric.error)
      c.text(
        LEFT + 8,
        metricTop + metricH / 2 - 3,
        pictureLabel(`no graph: ${metric.error}`),
        ALERT,
        { maxWidth: PLOT_W - 16 },
      );
    else if (!metric.series.length)
      c.text(LEFT + 8, metricTop + metricH / 2 - 3, 'no data in this window', MUTED);
  }

  // Marks across every panel: revisions (dashed) and fixes (solid), labelled at the top.
  // Labels of marks close together are stacked, not drawn over each other.
  p.revisions.forEach((r, i) => {
    const x = a.x(Date.parse(r.at));
    c.line(x, readyTop, x, bottom, REVISION, 1, 4);
    markLabel(c, x, readyTop + readyH - 12 - (i % 4) * LINE_HEIGHT, r.label, REVISION);
  });
  p.fixes.forEach((f, i) => {
    const x = a.x(Date.parse(f.at));
    c.line(x, readyTop - 4, x, bottom, FIX, 2);
    markLabel(c, x, readyTop + 18 + (i % 3) * LINE_HEIGHT, f.label, FIX);
  });

  // Time axis.
  const span = a.to - a.from;
  const tick = TICKS.find((t) => span / t <= 8) ?? TICKS.at(-1) ?? MINUTE;
  for (let t = Math.ceil(a.from / tick) * tick; t <= a.to; t += tick) {
    const x = a.x(t);
    c.line(x, bottom, x, bottom + 4, MUTED);
    c.text(x, bottom + 8, hhmm(t, tick < MINUTE), MUTED, { align: 'middle' });
  }
  c.text(
    LEFT + PLOT_W,
    bottom + 22,
    `until ${new Date(p.until).toISOString().replace('T', ' ').slice(0, 19)} UTC`,
    MUTED,
    { align: 'end' },
  );

  if (metric) {
    metric.series.forEach((s, i) => {
      const y = bottom + 40 + i * LINE_HEIGHT;
      c.fillRect(LEFT, y, 10, 8, SERIES[i % SERIES.length] as Rgb);
      c.text(LEFT + 16, y, pictureLabel(s.label || '{}'), MUTED, { maxWidth: PLOT_W - 16 });
    });
  }
  return { png: c.png(), width: WIDTH, height };
}

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotFromFiles } from '../../src/cluster/from-file.js';
import { diagnose } from '../../src/diagnosis/diagnose.js';
import { pictureOf } from '../../src/picture/from-report.js';
import { GLYPH_WIDTH, glyph } from '../../src/picture/font.js';
import { PICTURE_COLOURS, SERIES, drawIncident, pictureLabel } from '../../src/picture/incident.js';
import {
  type IncidentPicture,
  IncidentPictureSchema,
  describePicture,
  withAlert,
  withFix,
} from '../../src/picture/model.js';
import { colours, decodePng, inPlot } from '../support/png.js';

const scenarios = join(import.meta.dirname, '..', 'scenarios');

async function scenarioPicture(name: string, target: string): Promise<IncidentPicture> {
  const snapshot = await snapshotFromFiles([join(scenarios, name, 'dump.json')]);
  const report = diagnose(snapshot, { kind: 'Service', name: target, cluster: 'default' });
  const picture = pictureOf(report);
  if (!picture) throw new Error('no picture');
  return IncidentPictureSchema.parse(picture);
}

const minutesAfter = (iso: string, m: number) =>
  new Date(Date.parse(iso) + m * 60_000).toISOString();

describe('the incident picture', () => {
  it('of the seed incident is a PNG with no ready endpoint against 3 desired, and its revision', async () => {
    const picture = await scenarioPicture('seed-selector-mismatch', 'api-service');
    expect(picture.ready.at(-1)?.value).toBe(0);
    expect(picture.desired).toBe(3);
    expect(picture.revisions.map((r) => r.label)).toEqual(['api-service rev 1']);

    const png = decodePng(drawIncident(picture).png);
    expect(png.chunks).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(png.width).toBe(960);
    expect(png.height).toBeGreaterThan(300);
    expect(colours(png)).toBeGreaterThan(5);
    expect(inPlot(png, PICTURE_COLOURS.ready)).toBeGreaterThan(0);
    expect(inPlot(png, PICTURE_COLOURS.revision)).toBeGreaterThan(50);
    // No alert and no fix yet: neither colour appears.
    expect(inPlot(png, PICTURE_COLOURS.fix)).toBe(0);
    expect(inPlot(png, PICTURE_COLOURS.alert)).toBe(0);
  });

  it('shows 0 ready endpoints since the pods started when none ever became ready, and 2 of 3 for a degraded service', async () => {
    const never = await scenarioPicture('readiness-probe-timeouts', 'orders');
    expect(never.ready.map((p) => p.value)).toEqual([0, 0]);
    expect(Date.parse(never.ready[0]?.at ?? '')).toBeLessThan(Date.parse(never.until));
    const degraded = await scenarioPicture('degraded-one-of-three-unready', 'api');
    expect(degraded.ready.at(-1)?.value).toBe(2);
    expect(degraded.desired).toBe(3);
  });

  it('of a crash loop counts the restarts the pods report', async () => {
    const picture = await scenarioPicture('crashloop', 'checkout');
    expect(picture.restarts.at(-1)?.value).toBeGreaterThan(0);
    const png = decodePng(drawIncident(picture).png);
    expect(inPlot(png, PICTURE_COLOURS.restarts)).toBeGreaterThan(20);
  });

  it('marks the fix and the endpoints the verification saw, and the alert firing span', async () => {
    const before = await scenarioPicture('seed-selector-mismatch', 'api-service');
    const fixedAt = minutesAfter(before.until, 2);
    const after = withFix(
      withAlert(before, {
        alertname: 'KubeEndpointsDown',
        startsAt: minutesAfter(before.until, -5),
      }),
      {
        at: fixedAt,
        label: 'patch-service-selector by U0ALICE',
        ready: 3,
        verifiedAt: minutesAfter(fixedAt, 0.5),
      },
    );
    expect(after.fixes).toEqual([{ at: fixedAt, label: 'patch-service-selector by U0ALICE' }]);
    expect(after.ready.at(-1)?.value).toBe(3);
    expect(Date.parse(after.until)).toBeGreaterThan(Date.parse(fixedAt));
    expect(describePicture(after)).toMatch(
      /Alert KubeEndpointsDown firing from .* Fix patch-service-selector/,
    );

    const png = decodePng(drawIncident(after).png);
    expect(inPlot(png, PICTURE_COLOURS.fix)).toBeGreaterThan(100);
    expect(inPlot(png, PICTURE_COLOURS.alert)).toBeGreaterThan(20);
    // The ready line climbs to 3 after the fix: more green than the flat line at 0 alone.
    const flat = inPlot(decodePng(drawIncident(before).png), PICTURE_COLOURS.ready);
    expect(inPlot(png, PICTURE_COLOURS.ready)).toBeGreaterThan(flat);
  });

  it("draws the alert expression's series in a panel of its own, or says why it is missing", async () => {
    const base = await scenarioPicture('seed-selector-mismatch', 'api-service');
    const t0 = Date.parse(base.until) / 1000 - 600;
    const metric = {
      expr: 'kubemedic_test_gauge',
      series: [
        {
          label: 'kubemedic_test_gauge{job="t"}',
          points: Array.from({ length: 60 }, (_, i): [number, number] => [t0 + i * 10, i % 5]),
        },
      ],
    };
    const withGraph = drawIncident({ ...base, metric });
    const without = drawIncident(base);
    expect(withGraph.height).toBeGreaterThan(without.height);
    expect(
      inPlot(decodePng(withGraph.png), SERIES[0] as [number, number, number], 1),
    ).toBeGreaterThan(100);

    const failed = drawIncident({
      ...base,
      metric: { expr: 'up', series: [], error: 'Prometheus unreachable' },
    });
    expect(inPlot(decodePng(failed.png), PICTURE_COLOURS.alert)).toBeGreaterThan(20);
  });

  it('redacts and flattens the labels it draws', () => {
    const label = pictureLabel('api → db × 3\npassword=hunter2 token xoxb-1234567890-abcdefghijkl');
    expect(label).not.toContain('hunter2');
    expect(label).not.toContain('xoxb-1234567890');
    expect(label).toMatch(/^[\x20-\x7e]*$/);
    expect(label).toContain('api -> db x 3');
  });

  it('has a glyph for every printable ASCII character, five columns wide', () => {
    for (let c = 0x20; c <= 0x7e; c++) {
      const ch = String.fromCharCode(c);
      const pixels = glyph(ch);
      if (ch !== ' ') expect(pixels.length, `glyph ${ch}`).toBeGreaterThan(0);
      for (const [x, y] of pixels) {
        expect(x).toBeLessThan(GLYPH_WIDTH);
        expect(y).toBeLessThan(9);
      }
    }
    // Unknown characters fall back to '?', never to nothing.
    expect(glyph('é')).toEqual(glyph('?'));
  });
});

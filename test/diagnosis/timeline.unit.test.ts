// The timeline a person reads: ten near-identical events (one per pod) read as one line, ×N.
import { describe, expect, it } from 'vitest';
import { mergeRepeats } from '../../src/diagnosis/timeline.js';

describe('timeline', () => {
  it('merges events that differ only in generated pod names into one line with a count', () => {
    const created = Array.from({ length: 12 }, (_, i) => ({
      at: `2026-01-01T14:00:${String(10 + i).padStart(2, '0')}.000Z`,
      what: `Normal SuccessfulCreate ReplicaSet/api-service-7d9f8b6c4d: Created pod: api-service-7d9f8b6c4d-${['x2x4z', 'b8kqp', 'mz7vd', 'q9r2t', 'l5w8n', 'h2j4k', 'p7c9x', 'd4f6g', 'n8m2b', 't5v7z', 'k9s2q', 'w4x6c'][i]}`,
    }));
    const merged = mergeRepeats([
      {
        at: '2026-01-01T14:00:00.000Z',
        what: 'Deployment api-service revision 2 rolled out (ReplicaSet api-service-7d9f8b6c4d)',
      },
      ...created,
      { at: '2026-01-01T14:00:30.000Z', what: 'Warning BackOff Pod/api-0: Back-off restarting ×5' },
      { at: '2026-01-01T14:00:40.000Z', what: 'Warning BackOff Pod/api-0: Back-off restarting ×3' },
    ]);
    expect(merged).toEqual([
      {
        at: '2026-01-01T14:00:00.000Z',
        what: 'Deployment api-service revision 2 rolled out (ReplicaSet api-service-7d9f8b6c4d)',
      },
      {
        at: '2026-01-01T14:00:21.000Z',
        what: 'Normal SuccessfulCreate ReplicaSet/api-service-*: Created pod: api-service-*-* ×12',
      },
      { at: '2026-01-01T14:00:40.000Z', what: 'Warning BackOff Pod/api-0: Back-off restarting ×8' },
    ]);
  });
});

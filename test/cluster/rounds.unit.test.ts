// ReadRounds: the sequential rounds a diagnosis's reads took. By default a request counts after
// every answer before it; one that names the answers it started from counts after those only.
import { describe, expect, it } from 'vitest';
import { ReadRounds } from '../../src/cluster/rounds.js';

/** A request that answers `value` once `release` is called. */
function pending<T>(value: T) {
  let release: () => void = () => undefined;
  const answered = new Promise<T>((resolve) => (release = () => resolve(value)));
  return { fn: () => answered, release };
}

/**
 * Round one (the Services, the events), the events answering after a round-two read (the pods)
 * has answered, as a busy API server does. Returns the two round-one answers.
 */
async function eventsAnswerLast(r: ReadRounds) {
  const slow = pending({ items: ['event'] });
  const services = r.track(async () => ({ items: ['svc'] }));
  const events = r.track(slow.fn);
  const svc = await services;
  await r.track(async () => ({ items: ['pod'] }));
  slow.release();
  return { svc, ev: await events };
}

describe('ReadRounds', () => {
  it('counts requests started together as one round, and one started after an answer as the next', async () => {
    const r = new ReadRounds();
    await Promise.all([r.track(async () => ({ items: [] })), r.track(async () => 'text')]);
    expect(r.rounds).toBe(1);
    await r.track(async () => ({}));
    expect(r.rounds).toBe(2);
    expect(r.requests).toBe(3);
  });

  it('by default counts a request after every answer before it, needed or not', async () => {
    const r = new ReadRounds();
    await eventsAnswerLast(r);
    await r.track(async () => 'log'); // started from the events only
    expect(r.rounds).toBe(3);
  });

  it('counts a request that names its answers one round after those', async () => {
    const r = new ReadRounds();
    const { svc, ev } = await eventsAnswerLast(r);
    await r.track(async () => 'log', [svc, ev.items]);
    expect(r.rounds).toBe(2);
    // A chain through named answers still counts each step.
    const log2 = await r.track(async () => ({ kind: 'Status' }), [ev]);
    await r.track(async () => 'next', [log2]);
    expect(r.rounds).toBe(3);
  });

  it('falls back to every answer before it when a named value is not an answer', async () => {
    const r = new ReadRounds();
    const first = await r.track(async () => ({ items: [] }));
    await r.track(async () => ({}));
    await r.track(async () => 'x', [first, { made: 'here' }]);
    expect(r.rounds).toBe(3);
    await r.track(async () => 'y', [first, undefined]);
    expect(r.rounds).toBe(4);
  });
});

// The chart's install path (issue 15): values are typed by values.schema.json so a wrong type or
// a misspelt key stops `helm template`/`install` with a message naming it.
import { beforeAll, describe, expect, it } from 'vitest';
import { type InfraTools, ensureInfraTools, render, renderText } from './chart.js';

let tools: InfraTools;

beforeAll(async () => {
  tools = await ensureInfraTools();
}, 1_200_000);

describe('values.schema.json', () => {
  it('accepts the default values', async () => {
    const objects = await render(tools.helm);
    expect(objects.some((o) => o.kind === 'Deployment')).toBe(true);
  });

  it('refuses a value of the wrong type, naming the key and the type', async () => {
    await expect(renderText(tools.helm, { set: ['replicaCount=two'] })).rejects.toThrow(
      /\/replicaCount': got string, want integer/,
    );
  });

  it('refuses a misspelt top-level key, naming it', async () => {
    await expect(renderText(tools.helm, { set: ['replicaCont=2'] })).rejects.toThrow(
      /additional properties 'replicaCont' not allowed/,
    );
  });

  it('refuses a misspelt nested key where the section is closed', async () => {
    await expect(
      renderText(tools.helm, { values: { secret: { alertmanagerTokn: 'x' } } }),
    ).rejects.toThrow(/\/secret': additional properties 'alertmanagerTokn' not allowed/);
  });
});

import { readFile, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConsolePoster } from '../../src/slack/poster.js';

describe('console mode', () => {
  it('writes an uploaded picture to a private temp file and prints where it is', async () => {
    let printed = '';
    const poster = new ConsolePoster((t) => (printed += t));
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const { fileId: path } = await poster.uploadFile({
      channel: '#incidents',
      threadTs: '1700000000.000100',
      filename: '../../etc/incident picture.png',
      title: 'Incident picture: api-service token xoxb-1234567890-abcdefghijkl',
      altText: 'ready endpoints',
      bytes,
    });
    try {
      expect((await readFile(path)).equals(bytes)).toBe(true);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      // The name cannot climb out of the temp folder.
      expect(path.endsWith('/.._.._etc_incident_picture.png')).toBe(true);
      expect(printed).toContain('#incidents · file in thread 1700000000.000100');
      expect(printed).toContain(`: ${path}`);
      expect(printed).not.toContain('xoxb-1234567890');
    } finally {
      await rm(dirname(path), { recursive: true, force: true });
    }
  });
});

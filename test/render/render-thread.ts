// npm run render-thread -- recorded.json out.png [--html out.html]
// Renders a recorded Slack conversation (test/render/thread-html.ts: the calls the fake Slack
// received and the files uploaded) to a PNG in headless Chromium, to look at a change to what
// people see before it ships.
import { readFile, writeFile } from 'node:fs/promises';
import { screenshotHtml } from './chromium.js';
import { type ThreadRecording, threadPage } from './thread-html.js';

export async function renderThread(recording: ThreadRecording, out: string, htmlOut?: string) {
  const html = threadPage(recording);
  if (htmlOut) await writeFile(htmlOut, html);
  const shot = await screenshotHtml(html);
  await writeFile(out, shot.png);
  return shot;
}

async function main(argv: string[]): Promise<number> {
  const htmlAt = argv.indexOf('--html');
  const htmlOut = htmlAt >= 0 ? argv[htmlAt + 1] : undefined;
  const [input, out] = htmlAt < 0 ? argv : argv.filter((_, i) => i !== htmlAt && i !== htmlAt + 1);
  if (!input || !out) {
    process.stderr.write(
      'usage: npm run render-thread -- recorded.json out.png [--html out.html]\n',
    );
    return 2;
  }
  const recording = JSON.parse(await readFile(input, 'utf8')) as ThreadRecording;
  const shot = await renderThread(recording, out, htmlOut);
  process.stdout.write(`${out}: ${shot.width}x${shot.height} PNG, ${shot.png.length} bytes\n`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`)
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`render-thread: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );

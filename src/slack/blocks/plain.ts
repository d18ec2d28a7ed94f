// Block Kit as terminal text, for console mode: what a person would read in Slack, minus styling.
import type { Block } from './text.js';

function unescape(s: string): string {
  return s
    .replace(/<@([A-Z0-9]+)>/g, '@$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/(^|[\s(])\*([^*\n]+)\*/g, '$1$2')
    .replace(/:([a-z0-9_+-]+):/g, (_, name: string) => EMOJI[name] ?? `:${name}:`);
}

const EMOJI: Record<string, string> = {
  x: '✖',
  warning: '▲',
  white_check_mark: '✔',
  grey_question: '?',
  mag: '🔎',
  fire: '🔥',
  large_green_circle: '●',
  red_circle: '●',
  large_orange_circle: '●',
  large_blue_circle: '●',
  hammer_and_wrench: '🛠',
  hourglass_flowing_sand: '⏳',
  gear: '⚙',
  no_entry_sign: '⛔',
  leftwards_arrow_with_hook: '↩',
  repeat: '↻',
};

function textOf(o: unknown): string {
  if (typeof o === 'object' && o !== null && 'text' in o && typeof o.text === 'string')
    return unescape(o.text);
  return '';
}

export function blocksToPlainText(blocks: readonly Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.type) {
      case 'section':
        out.push(textOf(b.text));
        break;
      case 'header':
        out.push(textOf(b.text).toUpperCase());
        break;
      case 'context':
        out.push(b.elements.map(textOf).filter(Boolean).join(' '));
        break;
      case 'divider':
        out.push('---');
        break;
      case 'actions':
        out.push(
          b.elements
            .map((e) => (e.type === 'button' ? `[${textOf(e.text)}]` : ''))
            .filter(Boolean)
            .join(' '),
        );
        break;
      default:
        break;
    }
  }
  return out.filter(Boolean).join('\n');
}

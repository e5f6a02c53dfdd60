import type { ActionElement, Block, TextObject } from './block-types.js';
import { unescapeMrkdwn } from './mrkdwn.js';

/**
 * A readable plain-text rendering of blocks, for the demo and logs: dates show their fallback,
 * mentions show as @id, links as "label (url)", buttons as [Label], entities are unescaped.
 */
export function textPreview(blocks: readonly Block[]): string {
  const out: string[] = [];
  for (const block of blocks) {
    // A blank line before each header and section keeps items apart.
    if ((block.type === 'header' || block.type === 'section') && out.length > 0) out.push('');
    switch (block.type) {
      case 'header':
        out.push(`== ${block.text.text} ==`);
        break;
      case 'section': {
        const parts = [block.text ? plain(block.text) : '', ...(block.fields ?? []).map(plain)].filter((p) => p !== '');
        out.push(parts.join('\n') + (block.accessory ? `  ${element(block.accessory)}` : ''));
        break;
      }
      case 'context':
        out.push(block.elements.map(plain).join('  ').replace(/^/gm, '  '));
        break;
      case 'actions':
        out.push(block.elements.map(element).join(' '));
        break;
      case 'divider':
        out.push('-'.repeat(40));
        break;
      case 'input':
        out.push(`${block.label.text}${block.optional ? ' (optional)' : ''}: [${block.element.type === 'users_select' ? 'choose a person' : '...'}]${block.hint ? `\n  ${block.hint.text}` : ''}`);
        break;
    }
  }
  return out.join('\n');
}

function element(e: ActionElement): string {
  if (e.type === 'button') return `[${e.text.text}]`;
  return `[⋯ ${e.options.map((o) => o.text.text).join(' | ')}]`;
}

function plain(t: TextObject): string {
  if (t.type === 'plain_text') return t.text;
  const tokens = t.text.replace(/<([^<>]*)>/g, (_match, inner: string) => {
    if (inner.startsWith('!date^')) return inner.slice(inner.lastIndexOf('|') + 1);
    if (inner.startsWith('@') || inner.startsWith('#')) return inner.split('|')[0] ?? inner;
    if (inner.startsWith('!')) return `@${inner.slice(1).split('|')[0] ?? ''}`;
    const [url, label] = inner.split('|');
    return label ? `${label} (${url})` : (url ?? '');
  });
  return unescapeMrkdwn(tokens);
}

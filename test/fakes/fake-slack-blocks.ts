/**
 * Block Kit validation as the fake Slack Web API applies it, with Slack's error strings
 * (`must be less than 3001 characters [json-pointer:/blocks/0/text/text]`). It checks Slack's documented limits
 * (slack-block-kit-limits.ts: the fake's own copy, not the product's) and the structure of the block and element types the
 * product uses; other block types (rich_text, image, markdown, ...) are accepted as they are.
 */
import { SLACK_BLOCK_KIT_LIMITS as L } from './slack-block-kit-limits.js';

export type Surface = 'message' | 'modal' | 'home';

type Obj = Record<string, unknown>;

class Collector {
  readonly errors: string[] = [];
  add(pointer: string, message: string): void {
    this.errors.push(`${message} [json-pointer:${pointer}]`);
  }
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(c: Collector, v: unknown, pointer: string, max: number, required = true): void {
  if (v === undefined && !required) return;
  if (typeof v !== 'string') c.add(pointer, 'must provide a string');
  else if (v.length === 0) c.add(pointer, 'must be more than 0 characters');
  else if (v.length > max) c.add(pointer, `must be less than ${max + 1} characters`);
}

function textObject(c: Collector, v: unknown, pointer: string, max: number, plainOnly = false): void {
  if (!isObj(v)) return c.add(pointer, 'must provide an object');
  const allowed = plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
  if (!allowed.includes(String(v.type))) c.add(`${pointer}/type`, `must be one of ${allowed.join(', ')}`);
  str(c, v.text, `${pointer}/text`, max);
}

function items(c: Collector, v: unknown, pointer: string, min: number, max: number): unknown[] {
  if (!Array.isArray(v)) {
    c.add(pointer, 'must provide an array');
    return [];
  }
  if (v.length < min) c.add(pointer, `must provide at least ${min} items`);
  if (v.length > max) c.add(pointer, `no more than ${max} items allowed`);
  return v;
}

function confirm(c: Collector, v: unknown, pointer: string): void {
  if (v === undefined) return;
  if (!isObj(v)) return c.add(pointer, 'must provide an object');
  textObject(c, v.title, `${pointer}/title`, L.confirmTitle, true);
  textObject(c, v.text, `${pointer}/text`, L.confirmText);
  textObject(c, v.confirm, `${pointer}/confirm`, L.confirmButton, true);
  textObject(c, v.deny, `${pointer}/deny`, L.confirmButton, true);
}

function element(c: Collector, v: unknown, pointer: string, actionIds: Set<string>): void {
  if (!isObj(v)) return c.add(pointer, 'must provide an object');
  if (v.action_id !== undefined) {
    str(c, v.action_id, `${pointer}/action_id`, L.actionId);
    if (typeof v.action_id === 'string') {
      if (actionIds.has(v.action_id)) c.add(`${pointer}/action_id`, `duplicate action_id ${v.action_id}`);
      actionIds.add(v.action_id);
    }
  }
  switch (v.type) {
    case 'button':
      textObject(c, v.text, `${pointer}/text`, L.buttonText, true);
      str(c, v.value, `${pointer}/value`, L.buttonValue, false);
      str(c, v.url, `${pointer}/url`, L.buttonUrl, false);
      if (v.style !== undefined && v.style !== 'primary' && v.style !== 'danger') c.add(`${pointer}/style`, 'must be one of primary, danger');
      confirm(c, v.confirm, `${pointer}/confirm`);
      return;
    case 'overflow':
      items(c, v.options, `${pointer}/options`, L.overflowOptionsMin, L.overflowOptionsMax).forEach((o, i) => {
        if (!isObj(o)) return c.add(`${pointer}/options/${i}`, 'must provide an object');
        textObject(c, o.text, `${pointer}/options/${i}/text`, L.optionText, true);
        str(c, o.value, `${pointer}/options/${i}/value`, L.optionValue);
      });
      confirm(c, v.confirm, `${pointer}/confirm`);
      return;
    case 'plain_text_input':
      if (v.placeholder !== undefined) textObject(c, v.placeholder, `${pointer}/placeholder`, L.placeholder, true);
      for (const key of ['min_length', 'max_length'] as const) {
        const n = v[key];
        if (n !== undefined && (typeof n !== 'number' || n < 0 || n > L.plainTextInputLength)) c.add(`${pointer}/${key}`, `must be between 0 and ${L.plainTextInputLength}`);
      }
      return;
    case 'users_select':
    case 'static_select':
    case 'conversations_select':
    case 'channels_select':
    case 'datepicker':
    case 'checkboxes':
    case 'radio_buttons':
      if (v.placeholder !== undefined) textObject(c, v.placeholder, `${pointer}/placeholder`, L.placeholder, true);
      return;
    default:
      c.add(`${pointer}/type`, `unsupported element type ${String(v.type)}`);
  }
}

function block(c: Collector, v: unknown, pointer: string, blockIds: Set<string>): void {
  if (!isObj(v)) return c.add(pointer, 'must provide an object');
  if (v.block_id !== undefined) {
    str(c, v.block_id, `${pointer}/block_id`, L.blockId);
    if (typeof v.block_id === 'string') {
      if (blockIds.has(v.block_id)) c.add(`${pointer}/block_id`, `duplicate block_id ${v.block_id}`);
      blockIds.add(v.block_id);
    }
  }
  const actionIds = new Set<string>();
  switch (v.type) {
    case 'section':
      if (v.text === undefined && v.fields === undefined) c.add(pointer, 'must provide text or fields');
      if (v.text !== undefined) textObject(c, v.text, `${pointer}/text`, L.sectionText);
      if (v.fields !== undefined) {
        items(c, v.fields, `${pointer}/fields`, 1, L.sectionFields).forEach((f, i) => textObject(c, f, `${pointer}/fields/${i}`, L.sectionFieldText));
      }
      if (v.accessory !== undefined) element(c, v.accessory, `${pointer}/accessory`, actionIds);
      return;
    case 'header':
      textObject(c, v.text, `${pointer}/text`, L.headerText, true);
      return;
    case 'context':
      items(c, v.elements, `${pointer}/elements`, 1, L.contextElements).forEach((e, i) => {
        if (isObj(e) && e.type === 'image') return;
        textObject(c, e, `${pointer}/elements/${i}`, L.contextText);
      });
      return;
    case 'actions':
      items(c, v.elements, `${pointer}/elements`, 1, L.actionsElements).forEach((e, i) => element(c, e, `${pointer}/elements/${i}`, actionIds));
      return;
    case 'input':
      textObject(c, v.label, `${pointer}/label`, L.inputLabel, true);
      if (v.hint !== undefined) textObject(c, v.hint, `${pointer}/hint`, L.inputHint, true);
      element(c, v.element, `${pointer}/element`, actionIds);
      return;
    case 'divider':
    case 'image':
    case 'rich_text':
    case 'markdown':
      return;
    default:
      c.add(`${pointer}/type`, `unsupported block type ${String(v.type)}`);
  }
}

/** Errors of a blocks array for a surface; empty when valid. */
export function validateBlocks(blocks: unknown, surface: Surface, pointer = '/blocks'): string[] {
  const c = new Collector();
  const max = surface === 'message' ? L.messageBlocks : L.viewBlocks;
  const blockIds = new Set<string>();
  items(c, blocks, pointer, 0, max).forEach((b, i) => block(c, b, `${pointer}/${i}`, blockIds));
  return c.errors;
}

/** Errors of a view (modal or home) as views.open / views.publish / views.update check it. */
export function validateView(view: unknown): string[] {
  if (!isObj(view)) return ['must provide an object [json-pointer:/view]'];
  const c = new Collector();
  if (view.type !== 'modal' && view.type !== 'home') c.add('/view/type', 'must be one of modal, home');
  if (view.type === 'modal') {
    textObject(c, view.title, '/view/title', L.modalTitle, true);
    if (view.submit !== undefined) textObject(c, view.submit, '/view/submit', L.modalButton, true);
    if (view.close !== undefined) textObject(c, view.close, '/view/close', L.modalButton, true);
    const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObj(b) && b.type === 'input');
    if (hasInput && view.submit === undefined) c.add('/view/submit', 'submit is required when an input block is within the blocks array');
  }
  if (view.callback_id !== undefined) str(c, view.callback_id, '/view/callback_id', L.callbackId);
  if (view.private_metadata !== undefined && (typeof view.private_metadata !== 'string' || view.private_metadata.length > L.privateMetadata)) {
    c.add('/view/private_metadata', `must be less than ${L.privateMetadata + 1} characters`);
  }
  if (JSON.stringify(view).length > L.viewBytes) c.add('/view', `must be less than ${L.viewBytes} bytes`);
  return [...c.errors, ...validateBlocks(view.blocks, view.type === 'home' ? 'home' : 'modal', '/view/blocks')];
}

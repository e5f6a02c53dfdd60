/**
 * The subset of Block Kit the builders emit, typed narrowly so that tests and `textPreview` can
 * read blocks without casts. Structurally compatible with @slack/types' KnownBlock / View, so the
 * results can be passed to WebClient as they are.
 */
export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}

export interface Mrkdwn {
  type: 'mrkdwn';
  text: string;
  verbatim?: boolean;
}

export type TextObject = PlainText | Mrkdwn;

export interface ConfirmDialog {
  title: PlainText;
  text: PlainText;
  confirm: PlainText;
  deny: PlainText;
  style?: 'primary' | 'danger';
}

export interface ButtonElement {
  type: 'button';
  action_id: string;
  text: PlainText;
  value?: string;
  style?: 'primary' | 'danger';
  confirm?: ConfirmDialog;
}

export interface OverflowOption {
  text: PlainText;
  value: string;
}

export interface OverflowElement {
  type: 'overflow';
  action_id: string;
  options: OverflowOption[];
}

export interface PlainTextInputElement {
  type: 'plain_text_input';
  action_id: string;
  multiline?: boolean;
  min_length?: number;
  max_length?: number;
  placeholder?: PlainText;
  initial_value?: string;
}

export interface UsersSelectElement {
  type: 'users_select';
  action_id: string;
  placeholder?: PlainText;
}

export type ActionElement = ButtonElement | OverflowElement;

export interface HeaderBlock {
  type: 'header';
  block_id?: string;
  text: PlainText;
}

export interface SectionBlock {
  type: 'section';
  block_id?: string;
  text?: TextObject;
  fields?: TextObject[];
  accessory?: ActionElement;
}

export interface ContextBlock {
  type: 'context';
  block_id?: string;
  elements: TextObject[];
}

export interface ActionsBlock {
  type: 'actions';
  block_id?: string;
  elements: ActionElement[];
}

export interface DividerBlock {
  type: 'divider';
  block_id?: string;
}

export interface InputBlock {
  type: 'input';
  block_id?: string;
  label: PlainText;
  element: PlainTextInputElement | UsersSelectElement;
  hint?: PlainText;
  optional?: boolean;
}

export type Block = HeaderBlock | SectionBlock | ContextBlock | ActionsBlock | DividerBlock | InputBlock;

/** A message body: `text` is the notification / accessibility fallback. */
export interface MessagePayload {
  text: string;
  blocks: Block[];
}

export interface ModalView {
  type: 'modal';
  callback_id: string;
  title: PlainText;
  submit?: PlainText;
  close?: PlainText;
  private_metadata: string;
  blocks: Block[];
}

export interface HomeView {
  type: 'home';
  blocks: Block[];
}

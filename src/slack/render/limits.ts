/**
 * Slack's documented Block Kit limits for messages, and a check that lists every violation of them.
 * Renderers keep to these by construction; the check is what the tests (and a cautious caller) assert.
 *
 * Sources: Slack's Block Kit reference (blocks, block elements, composition objects) and the
 * chat.postMessage reference (`text` is truncated past 40,000 characters). One limit is not documented:
 * Slack answers `msg_blocks_too_long` when all block texts together pass roughly 12,000 characters
 * (slackapi/bolt-js#2509, #2867); we check a conservative 10,000.
 */
import type { SlackMessage } from '../message.ts';

export const SLACK_LIMITS = {
  /** Blocks per message (modals and Home tabs allow 100, messages 50). */
  blocks: 50,
  /** Top-level `text` of chat.postMessage. */
  messageText: 40_000,
  /** Any text object (mrkdwn or plain_text), e.g. in a section or a context block. */
  textObject: 3000,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  actionId: 255,
  blockId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /** All text in a message's blocks together (undocumented; see above). */
  blocksTextTotal: 10_000,
} as const;

/** The summed length of every `text` string anywhere in the blocks. */
export function blocksTextLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + blocksTextLength(item), 0);
  if (value === null || typeof value !== 'object') return 0;
  let total = 0;
  for (const [key, item] of Object.entries(value)) {
    total += key === 'text' && typeof item === 'string' ? item.length : blocksTextLength(item);
  }
  return total;
}

/** A loose view of whatever was built: the check must also work on malformed, hand-made blocks. */
interface TextLike {
  type?: unknown;
  text?: unknown;
}

interface ElementLike extends TextLike {
  action_id?: unknown;
  value?: unknown;
  url?: unknown;
  confirm?: { title?: TextLike; text?: TextLike; confirm?: TextLike; deny?: TextLike };
}

interface BlockLike {
  type?: unknown;
  block_id?: unknown;
  text?: TextLike;
  fields?: TextLike[];
  accessory?: ElementLike;
  elements?: ElementLike[];
}

function textOf(object: TextLike | undefined): string | null {
  return object && typeof object.text === 'string' ? object.text : null;
}

/**
 * Every way `message` breaks Slack's documented limits, one readable line each (`[]` when it is fine):
 * block count, text lengths of sections, fields, headers, context elements and buttons, element counts,
 * button values and urls, confirm dialogs, and action_id / block_id length and uniqueness.
 */
export function checkSlackLimits(message: SlackMessage): string[] {
  const problems: string[] = [];
  const L = SLACK_LIMITS;
  const tooLong = (where: string, what: string, value: string | null, max: number) => {
    if (value !== null && value.length > max)
      problems.push(`${where}: ${what} is ${value.length} chars (max ${max})`);
  };

  if (typeof message.text !== 'string')
    problems.push('text: missing (the notification fallback is required)');
  else tooLong('message', 'text', message.text, L.messageText);
  const blocks = (Array.isArray(message.blocks) ? message.blocks : []) as unknown as BlockLike[];
  if (blocks.length > L.blocks) problems.push(`message: ${blocks.length} blocks (max ${L.blocks})`);
  const total = blocksTextLength(blocks);
  if (total > L.blocksTextTotal) {
    problems.push(
      `message: blocks carry ${total} chars of text (keep under ${L.blocksTextTotal}: msg_blocks_too_long)`,
    );
  }

  const actionIds = new Map<string, string>();
  const blockIds = new Map<string, string>();

  const checkButton = (where: string, element: ElementLike) => {
    if (element.type !== 'button') return;
    const label = textOf(element.text as TextLike | undefined);
    if (!label) problems.push(`${where}: button text is empty`);
    tooLong(where, 'button text', label, L.buttonText);
    if (typeof element.value === 'string') tooLong(where, 'button value', element.value, L.buttonValue);
    if (typeof element.url === 'string') tooLong(where, 'button url', element.url, L.buttonUrl);
    const confirm = element.confirm;
    if (confirm) {
      tooLong(where, 'confirm title', textOf(confirm.title), L.confirmTitle);
      tooLong(where, 'confirm text', textOf(confirm.text), L.confirmText);
      tooLong(where, 'confirm button', textOf(confirm.confirm), L.confirmButton);
      tooLong(where, 'deny button', textOf(confirm.deny), L.confirmButton);
    }
  };

  const checkElement = (where: string, element: ElementLike) => {
    checkButton(where, element);
    if (element.action_id === undefined) return;
    const actionId = String(element.action_id);
    tooLong(where, 'action_id', actionId, L.actionId);
    const first = actionIds.get(actionId);
    if (first) problems.push(`${where}: action_id "${actionId}" is already used by ${first}`);
    else actionIds.set(actionId, where);
  };

  blocks.forEach((block, index) => {
    const where = `blocks[${index}] ${String(block.type)}`;
    if (block.block_id !== undefined) {
      const blockId = String(block.block_id);
      tooLong(where, 'block_id', blockId, L.blockId);
      const first = blockIds.get(blockId);
      if (first) problems.push(`${where}: block_id "${blockId}" is already used by ${first}`);
      else blockIds.set(blockId, where);
    }
    switch (block.type) {
      case 'header': {
        const text = textOf(block.text);
        if (!text) problems.push(`${where}: header text is empty`);
        if (block.text?.type !== 'plain_text') problems.push(`${where}: header text must be plain_text`);
        tooLong(where, 'header text', text, L.headerText);
        break;
      }
      case 'section': {
        const text = textOf(block.text);
        const fields = Array.isArray(block.fields) ? block.fields : [];
        if (block.text !== undefined && !text) problems.push(`${where}: section text is empty`);
        else if (!text && fields.length === 0) problems.push(`${where}: section has neither text nor fields`);
        tooLong(where, 'section text', text, L.sectionText);
        if (fields.length > L.sectionFields) {
          problems.push(`${where}: ${fields.length} fields (max ${L.sectionFields})`);
        }
        fields.forEach((item, fieldIndex) => {
          tooLong(where, `field ${fieldIndex}`, textOf(item), L.sectionFieldText);
        });
        if (block.accessory) checkElement(`${where} accessory`, block.accessory);
        break;
      }
      case 'context': {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        if (elements.length === 0) problems.push(`${where}: context has no elements`);
        if (elements.length > L.contextElements) {
          problems.push(`${where}: ${elements.length} elements (max ${L.contextElements})`);
        }
        elements.forEach((element, elementIndex) => {
          tooLong(where, `element ${elementIndex} text`, textOf(element), L.textObject);
        });
        break;
      }
      case 'actions': {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        if (elements.length === 0) problems.push(`${where}: actions block has no elements`);
        if (elements.length > L.actionsElements) {
          problems.push(`${where}: ${elements.length} elements (max ${L.actionsElements})`);
        }
        elements.forEach((element, elementIndex) => {
          checkElement(`${where} element ${elementIndex}`, element);
        });
        break;
      }
      default:
        break;
    }
  });
  return problems;
}

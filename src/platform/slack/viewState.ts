/** What every modal submission listener reads: the submitted values and the view's private metadata. */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';

export type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

type StateValues = ViewSubmitAction['view']['state']['values'];

/** The trimmed value of one input (a text input's value or a select's chosen option), '' when absent. */
export const inputValue = (values: StateValues, at: { block: string; action: string }): string => {
  const v = values[at.block]?.[at.action];
  if (!v) return '';
  return String(v.selected_option?.value ?? v.value ?? '').trim();
};

/** A view's private_metadata (JSON written by keywarden's own renderers) as a string map; {} when unreadable. */
export function metadata(raw: string): Record<string, string> {
  try {
    const parsed = JSON.parse(raw) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

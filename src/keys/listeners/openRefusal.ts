import { helpEntriesIn } from '../../platform/domain/commandText.js';
import { KEY_HELP } from '../domain/keyCommands.js';
import { saveRequestDraft, type KeyRequestDeps, type OpenRefusal } from '../index.js';
import type { RenderedMessage } from '../../platform/slack/render/blocks.js';
import { renderDuplicateRequestWarning } from '../render/index.js';
import { renderCommandError } from '../../platform/slack/render/notices.js';

/**
 * What to tell someone whose request was not opened: the error with the request command's usage, or, for a
 * duplicate, the waiting request and a "Send another request" button (the typed request kept as a draft).
 */
export async function answerOpenRefusal(deps: Pick<KeyRequestDeps, 'keyRequests'>, requesterId: string, refusal: OpenRefusal): Promise<RenderedMessage> {
  if (refusal.kind === 'invalid') return renderCommandError(refusal.what, helpEntriesIn(KEY_HELP, 'request'), refusal.hint === undefined ? {} : { hint: refusal.hint });
  const draftId = await saveRequestDraft(deps, { requesterId, projectId: refusal.projectId, purpose: refusal.purpose, lifetimeDays: refusal.lifetimeDays });
  return renderDuplicateRequestWarning(refusal.existing, draftId);
}

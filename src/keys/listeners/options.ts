/**
 * Options for external selects (Slack's `block_suggestion`): the request form's project field. Slack sends what the
 * person typed and waits at most 3 seconds for `{ options }` (at most 100); a later or failed answer shows nothing.
 * https://docs.slack.dev/reference/interaction-payloads/block_suggestion-payload
 */
import type { App } from '@slack/bolt';
import type { ListenerContext } from '../../platform/slack/context.js';
import { INPUT } from '../../platform/slack/ids.js';
import type { KeyRequestDeps } from '../index.js';
import { renderProjectOptions } from '../render/modals.js';

export type ProjectPickerDeps = { readonly projects: Pick<KeyRequestDeps['projects'], 'search'> } & Pick<ListenerContext, 'log'>;

/** The answer must be sent well inside Slack's 3 s; past this the search is abandoned and nothing is offered. */
const ANSWER_WITHIN_MS = 2_500;
/** The longest query searched; Slack's menus take far less, and a pasted essay should not cost more. */
const QUERY_MAX_CHARS = 200;

/** Registers the options listener for the request form's project field. */
export function register(app: App, deps: ProjectPickerDeps): void {
  app.options<'block_suggestion'>({ type: 'block_suggestion', action_id: INPUT.project.action }, async ({ ack, payload }) => {
    const query = String(payload.value ?? '').slice(0, QUERY_MAX_CHARS);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), ANSWER_WITHIN_MS);
    });
    try {
      const found = await Promise.race([deps.projects.search(query), late]);
      if (found === null) deps.log.warn({ query: query.length }, 'the project search took too long; offered nothing');
      else if (!found.ready) deps.log.info('no project list yet for the picker; a refresh was started');
      await ack(renderProjectOptions(found?.projects ?? []));
    } catch (error) {
      deps.log.warn({ error: (error as Error).message }, 'project search failed; offered nothing');
      await ack({ options: [] });
    } finally {
      clearTimeout(timer);
    }
  });
}

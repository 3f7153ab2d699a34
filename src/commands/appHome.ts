/** The App Home tab: the person's key requests and keys, then every `/openai-key` command with an example. */
import type { App } from '@slack/bolt';
import { listRequests, renderRequestList, type KeyRequestDeps } from '../keys/index.js';
import type { ListenerContext } from '../platform/slack/context.js';
import { HELP_ENTRIES } from './domain/command.js';
import { renderHelp } from './render/help.js';

export type AppHomeDeps = Pick<KeyRequestDeps, 'keyRequests' | 'clock'> & Pick<ListenerContext, 'log'>;

/** Registers the listener that publishes the Home tab each time someone opens it. */
export function register(app: App, deps: AppHomeDeps): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    try {
      const items = await listRequests(deps, event.user);
      const list = renderRequestList(items, { now: deps.clock() });
      const help = renderHelp(HELP_ENTRIES);
      await client.views.publish({ user_id: event.user, view: { type: 'home', blocks: [...list.blocks, { type: 'divider' }, ...help.blocks].slice(0, 100) } });
    } catch (error) {
      deps.log.warn({ user: event.user, error: (error as Error).message }, 'home tab failed');
    }
  });
}

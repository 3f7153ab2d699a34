/**
 * The limit subcommands of `/openai-key` (limits, limit, ratelimit, audit), once parsed and acknowledged: each calls
 * the limits flow and answers through the command's response_url (ephemeral: only the caller sees it). The router
 * (src/commands/listener.ts) parses the text and dispatches here.
 */
import { renderErrorNotice, renderNotice } from '../../platform/slack/render/notices.js';
import type { RateLimitAtOpenAI } from '../../platform/openai/admin.js';
import { ephemeral, type SlashCommandArgs } from '../../platform/slack/context.js';
import type { LimitCommand } from '../domain/limitCommands.js';
import { changeLimits, changeRateLimit, readAudit, readLimits, readRateLimits, type LimitDeps, type LimitsView } from '../index.js';
import { rateLimitsOfProject } from '../rateLimits.js';
import {
  renderAuditLog,
  renderLimitChangeConfirmation,
  renderLimitError,
  renderLimitsOverview,
  renderProjectLimits,
  renderRateLimitChanged,
  renderRateLimits,
  type LimitsRow,
  type RateLimitRow,
} from '../render/index.js';

const rowOf = (view: LimitsView): LimitsRow => ({
  project: view.project,
  limits: view.limits,
  monthToDateCents: view.monthToDate?.cents ?? null,
  estimateIncluded: (view.monthToDate?.estimateCents ?? 0) > 0,
  enforcement: view.enforcement,
});

const rateLimitRowOf = (r: RateLimitAtOpenAI): RateLimitRow => ({
  model: r.model,
  maxRequestsPerMinute: r.maxRequestsPerMinute,
  maxTokensPerMinute: r.maxTokensPerMinute,
  ...(r.maxRequestsPerDay !== undefined ? { maxRequestsPerDay: r.maxRequestsPerDay } : {}),
  ...(r.maxImagesPerMinute !== undefined ? { maxImagesPerMinute: r.maxImagesPerMinute } : {}),
  ...(r.maxAudioMegabytesPer1Minute !== undefined ? { maxAudioMegabytesPer1Minute: r.maxAudioMegabytesPer1Minute } : {}),
  ...(r.batch1DayMaxInputTokens !== undefined ? { batch1DayMaxInputTokens: r.batch1DayMaxInputTokens } : {}),
});

/** Runs one limit subcommand for the person who typed it and answers them. Errors: whatever the flow throws. */
export async function runLimitCommand(deps: LimitDeps, cmd: LimitCommand, { command, respond }: SlashCommandArgs): Promise<void> {
  const userId = command.user_id;
  const now = deps.clock();
  switch (cmd.kind) {
    case 'limits': {
      // `limits Support Bot` arrives as two words: a project name may have spaces.
      const project = cmd.projects.length > 0 ? cmd.projects.join(' ') : null;
      const read = await readLimits(deps, project);
      if (!read.ok) {
        await respond(ephemeral(renderErrorNotice(read.error)));
        return;
      }
      const [one] = read.value.views;
      if (project && one) {
        const rateLimits = await rateLimitsOfProject(deps, one.project.id);
        await respond(ephemeral(renderProjectLimits(rowOf(one), rateLimits ? rateLimits.map(rateLimitRowOf) : null, { now })));
      } else {
        await respond(ephemeral(renderLimitsOverview(read.value.views.map(rowOf), { now, uncheckedAtOpenAI: read.value.uncheckedAtOpenAI })));
      }
      return;
    }
    case 'limit': {
      const changed = await changeLimits(deps, { actorId: userId, project: cmd.project, change: cmd.change });
      if (!changed.ok) {
        await respond(ephemeral(renderLimitError(changed.error)));
      } else if (changed.value.kind === 'applied') {
        // The change is announced in the alert channel: the admin's own answer only confirms and points there.
        const { project, before, after } = changed.value;
        await respond(ephemeral(renderLimitChangeConfirmation({ project, before, after, announcedIn: after.channelId ?? deps.settings.alertChannel, typedIn: command.channel_id })));
      } else {
        const r = changed.value.request;
        await respond(
          ephemeral(
            renderNotice(`Only admins change limits directly, so your change for ${r.projectName} is now a request (${r.id}) waiting for an approver in the approvals channel. You will get a DM when it is decided.`, {
              title: 'Limit change requested',
            }),
          ),
        );
      }
      return;
    }
    case 'ratelimit-show': {
      const read = await readRateLimits(deps, cmd.project);
      await respond(ephemeral(read.ok ? renderRateLimits(read.value.project, read.value.rateLimits.map(rateLimitRowOf)) : renderErrorNotice(read.error)));
      return;
    }
    case 'ratelimit': {
      const changed = await changeRateLimit(deps, { actorId: userId, project: cmd.project, model: cmd.model, change: cmd.change });
      await respond(
        ephemeral(
          changed.ok
            ? renderRateLimitChanged(changed.value.project, changed.value.after.model, rateLimitRowOf(changed.value.before), rateLimitRowOf(changed.value.after))
            : renderErrorNotice(changed.error),
        ),
      );
      return;
    }
    case 'audit': {
      const read = await readAudit(deps, { actorId: userId, project: cmd.project, days: cmd.days });
      await respond(
        ephemeral(read.ok ? renderAuditLog(read.value.entries, { ...(read.value.projectId ? { project: read.value.projectId } : {}), days: cmd.days, now, projectNames: read.value.projectNames }) : renderErrorNotice(read.error)),
      );
      return;
    }
  }
}

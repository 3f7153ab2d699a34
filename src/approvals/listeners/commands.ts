/**
 * `/openai-key policy [project]`, once parsed and acknowledged: the approval policy in force, in words, for one
 * project or for the defaults and every project the policy names. The router (src/commands/listener.ts) parses the
 * text and dispatches here.
 */
import { projectError } from '../../platform/domain/userFacingError.js';
import type { ProjectDirectory } from '../../platform/openai/projectDirectory.js';
import { renderCommandError } from '../../platform/slack/render/notices.js';
import { ephemeral, type SlashCommandArgs } from '../../platform/slack/context.js';
import { POLICY_HELP, type PolicyCommand } from '../domain/policyCommand.js';
import { REQUEST_KIND_NAMES } from '../domain/policy.js';
import type { ApprovalEngine } from '../engine.js';
import { renderPolicy, type PolicySection } from '../render/policy.js';

export type PolicyCommandDeps = {
  readonly approvals: Pick<ApprovalEngine, 'policyFor' | 'policyFile' | 'namedProjects'>;
  readonly projects: Pick<ProjectDirectory, 'resolve' | 'list'>;
};

/** Answers `policy` to the person who typed it. Errors: whatever reading the project list throws. */
export async function runPolicyCommand(deps: PolicyCommandDeps, cmd: PolicyCommand, { respond }: SlashCommandArgs): Promise<void> {
  const sectionFor = (project: { id: string; name: string } | null): PolicySection => ({
    projectName: project?.name ?? null,
    ...(project ? { projectId: project.id } : {}),
    byKind: REQUEST_KIND_NAMES.map((kind) => ({ kind, policy: deps.approvals.policyFor(project ?? { id: '', name: '' }, kind) })),
  });
  const fromFile = deps.approvals.policyFile !== null;
  if (cmd.project !== null) {
    const found = await deps.projects.resolve(cmd.project);
    if (!found.ok) {
      const e = projectError(found.error);
      await respond(ephemeral(renderCommandError(e.what, POLICY_HELP, e.hint === undefined ? {} : { hint: e.hint })));
      return;
    }
    await respond(ephemeral(renderPolicy([sectionFor(found.value)], { fromFile })));
    return;
  }
  // The defaults, then every project the file names (by id or name), by the name OpenAI knows it by.
  const all = await deps.projects.list();
  const named = deps.approvals.namedProjects().map((key) => all.find((p) => p.id === key || p.name.trim().toLowerCase() === key.trim().toLowerCase()) ?? { id: key, name: key });
  await respond(ephemeral(renderPolicy([sectionFor(null), ...named.map(sectionFor)], { fromFile })));
}

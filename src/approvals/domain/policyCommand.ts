/**
 * The `policy` subcommand of `/openai-key`: its help entry and its parser. Pure: no I/O. The slash command's router
 * composes it with the other features' subcommands (src/commands/domain/command.ts).
 */
import { notAProject, type CommandError, type HelpEntry, type Token } from '../../platform/domain/commandText.js';
import { ok, type Result } from '../../platform/domain/result.js';

/** the effective approval policy for one project, or the defaults and every project the policy names */
export type PolicyCommand = { readonly kind: 'policy'; readonly project: string | null };

/** The help entry of `policy`. */
export const POLICY_HELP: readonly HelpEntry[] = [
  {
    command: 'policy',
    usage: 'policy [project]',
    example: 'policy "Research Assistant"',
    summary: 'Show who approves requests for a project, how many approvals they need, how long they wait, reminders and auto-approve rules.',
    who: 'Anyone.',
    details: [
      'project: a name or id; none shows the defaults and every project the policy file names.',
      'Shown for key requests and for spend limit changes: approvers, approvals needed, time to decide, reminder, escalation and auto-approve rule.',
      'Admins may always decide a request and count as one approver; the requester never counts.',
    ],
    moreExamples: ['policy'],
  },
];

/** `policy [project]`: one project, quoted or not, or none for the defaults and every project the policy names. */
export const parsePolicy = (tokens: readonly Token[]): Result<PolicyCommand, CommandError> => {
  for (const token of tokens) {
    const mention = notAProject(token, 'policy', 'policy "Research Assistant"');
    if (mention) return mention;
  }
  const project = tokens.map((token) => token.value).join(' ').trim();
  return ok({ kind: 'policy', project: project === '' ? null : project });
};

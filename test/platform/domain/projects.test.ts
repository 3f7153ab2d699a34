import { describe, expect, it } from 'vitest';
import {
  closestNames,
  indexProjects,
  searchProjects,
  resolveProject,
  splitProjectAndPurpose,
  type ProjectRef,
} from '../../../src/platform/domain/projects.js';

const supportBot: ProjectRef = { id: 'proj_support1', name: 'Support Bot', status: 'active' };
const support: ProjectRef = { id: 'proj_support0', name: 'Support', status: 'active' };
const supportLegacy: ProjectRef = { id: 'proj_legacy', name: 'Support Bot Legacy', status: 'archived' };
const billing: ProjectRef = { id: 'proj_billing', name: 'Billing', status: 'active' };
const cafe: ProjectRef = { id: 'proj_cafe', name: 'Café Ops', status: 'active' };
const research: ProjectRef = { id: 'proj_research', name: 'Research Lab', status: 'active' };
const oldResearch: ProjectRef = { id: 'proj_oldresearch', name: 'Old Research', status: 'archived' };
const PROJECTS = [supportBot, support, supportLegacy, billing, cafe, research, oldResearch];

const errorOf = <E>(result: { ok: true } | { ok: false; error: E }): E => {
  if (result.ok) throw new Error('expected an error');
  return result.error;
};

describe('closestNames', () => {
  const names = ['Support Bot', 'Support', 'Billing', 'Research Lab', 'Café Ops', 'Sales'];

  it('puts the exact name, then prefixes, then substrings first', () => {
    expect(closestNames('support', names)).toEqual(['Support', 'Support Bot']);
    expect(closestNames('SUP', names)).toEqual(['Support', 'Support Bot']);
    expect(closestNames('lab', names)).toEqual(['Research Lab']);
  });

  it('finds names a few typos away, also by a word of the name', () => {
    expect(closestNames('biling', names)).toEqual(['Billing']);
    expect(closestNames('suport', names)).toEqual(['Support', 'Support Bot']);
    expect(closestNames('Resaerch', names)).toEqual(['Research Lab']);
    expect(closestNames('cafe ops', names)).toEqual(['Café Ops']);
  });

  it('never returns names far away', () => {
    expect(closestNames('zzz', names)).toEqual([]);
    expect(closestNames('marketing', names)).toEqual([]);
    expect(closestNames('', names)).toEqual([]);
    expect(closestNames('x', ['y', 'xy'])).toEqual(['xy']);
  });

  it('returns at most n names, each once, as they were written', () => {
    expect(closestNames('s', names)).toEqual(['Sales', 'Support', 'Support Bot']);
    expect(closestNames('s', names, 1)).toEqual(['Sales']);
    expect(closestNames('billing', ['Billing', 'billing ', 'BILLING'])).toEqual(['Billing']);
    expect(closestNames('billing', names, 0)).toEqual([]);
  });
});

describe('searchProjects', () => {
  const index = indexProjects(PROJECTS);
  const ids = (query: string, limit?: number) => searchProjects(query, index, limit).map((p) => p.id);

  it('ranks a name starting with the query before a name containing it, whatever the list order', () => {
    const contains: ProjectRef = { id: 'proj_c', name: 'Customer Support', status: 'active' };
    const starts: ProjectRef = { id: 'proj_s', name: 'Supportive Tools With A Long Name', status: 'active' };
    const found = searchProjects('support', indexProjects([contains, starts]));
    expect(found.map((p) => p.id)).toEqual(['proj_s', 'proj_c']);
  });

  it('puts the exact name first, then prefixes by length, then substrings, then close names', () => {
    expect(ids('support')).toEqual(['proj_support0', 'proj_support1']);
    expect(ids('lab')).toEqual(['proj_research']);
    expect(ids('suport')).toEqual(['proj_support0', 'proj_support1']);
    const many = indexProjects([
      { id: 'proj_1', name: 'Billing Reports', status: 'active' },
      { id: 'proj_2', name: 'Old Billing', status: 'active' },
      { id: 'proj_3', name: 'Biling', status: 'active' },
      { id: 'proj_4', name: 'Billing', status: 'active' },
    ]);
    expect(searchProjects('billing', many).map((p) => p.id)).toEqual(['proj_4', 'proj_1', 'proj_2', 'proj_3']);
  });

  it('finds a project by its id, whole or in part, and ranks an id match with name matches', () => {
    expect(ids('proj_billing')).toEqual(['proj_billing']);
    expect(ids('PROJ_BILLING')).toEqual(['proj_billing']);
    expect(ids('proj_support')).toEqual(['proj_support0', 'proj_support1']);
    expect(ids('illing')).toEqual(['proj_billing']);
    // "proj_" alone is every id: no project is offered for it by id
    expect(ids('proj_')).toEqual([]);
  });

  it('never offers an archived project, by name or by id', () => {
    expect(ids('legacy')).toEqual([]);
    expect(ids('proj_legacy')).toEqual([]);
    expect(ids('research')).toEqual(['proj_research']);
    expect(ids('')).not.toContain('proj_legacy');
  });

  it('lists every active project by name for an empty query, and at most `limit`', () => {
    expect(searchProjects('', index).map((p) => p.name)).toEqual(['Billing', 'Café Ops', 'Research Lab', 'Support', 'Support Bot']);
    expect(ids('', 2)).toEqual(['proj_billing', 'proj_cafe']);
    expect(ids('s', 1)).toEqual(['proj_support0']);
    expect(ids('support', 0)).toEqual([]);
  });

  it('finds the 2,000th of 2,000 projects by part of its name, and answers in milliseconds', () => {
    const big = indexProjects(
      Array.from({ length: 2000 }, (_, i): ProjectRef => ({ id: `proj_${String(i + 1).padStart(6, '0')}x`, name: `Team ${i + 1} workspace`, status: 'active' })),
    );
    expect(searchProjects('team 2000', big)[0]?.name).toBe('Team 2000 workspace');
    expect(searchProjects('2000 work', big).map((p) => p.name)).toEqual(['Team 2000 workspace']);
    expect(searchProjects('team', big)).toHaveLength(100);
    const started = performance.now();
    for (const query of ['tema 1999', 'workspaec', 'zzzz', 'proj_002000x', 'team 19']) searchProjects(query, big);
    expect((performance.now() - started) / 5).toBeLessThan(50);
  });
});

describe('resolveProject', () => {
  it('finds a project by id', () => {
    expect(resolveProject('proj_billing', PROJECTS)).toEqual({ ok: true, value: billing });
  });

  it('finds a project by name, ignoring case, spacing, quotes and Unicode composition', () => {
    expect(resolveProject('support bot', PROJECTS)).toEqual({ ok: true, value: supportBot });
    expect(resolveProject('  SUPPORT   BOT ', PROJECTS)).toEqual({ ok: true, value: supportBot });
    expect(resolveProject('"Support Bot"', PROJECTS)).toEqual({ ok: true, value: supportBot });
    expect(resolveProject('“Support Bot”', PROJECTS)).toEqual({ ok: true, value: supportBot });
    expect(resolveProject('Cafe\u0301 ops', PROJECTS)).toEqual({ ok: true, value: cafe });
  });

  it('does not match a name only partly', () => {
    expect(resolveProject('Support Bo', PROJECTS).ok).toBe(false);
  });

  it('refuses an unknown name with suggestions from active projects only', () => {
    expect(errorOf(resolveProject('Suport Bot', PROJECTS))).toEqual({
      kind: 'unknown',
      query: 'Suport Bot',
      suggestions: ['Support Bot'],
      message: 'No project is named "Suport Bot". Did you mean "Support Bot"?',
    });
    const research = errorOf(resolveProject('Reserch', PROJECTS));
    expect(research.kind === 'unknown' && research.suggestions).toEqual(['Research Lab']);
  });

  it('says how to name a project when nothing is close', () => {
    expect(errorOf(resolveProject('Marketing', PROJECTS)).message).toBe(
      'No project is named "Marketing". Use the project\'s exact name (in quotes if it has spaces) or its id (proj_…).',
    );
    expect(errorOf(resolveProject('proj_nothere', PROJECTS)).message).toMatch(/^No project has the id proj_nothere\./);
  });

  it('refuses an archived project, by name or id', () => {
    expect(errorOf(resolveProject('old research', PROJECTS))).toEqual({
      kind: 'archived',
      project: oldResearch,
      message:
        'Project "Old Research" is archived, so it can\'t be used. Pick an active project, or ask an OpenAI organization owner to unarchive it.',
    });
    expect(errorOf(resolveProject('proj_legacy', PROJECTS)).kind).toBe('archived');
  });

  it('prefers the active project when an archived one has the same name', () => {
    const archivedTwin: ProjectRef = { id: 'proj_twin', name: 'billing', status: 'archived' };
    expect(resolveProject('Billing', [archivedTwin, billing])).toEqual({ ok: true, value: billing });
  });

  it('refuses a name two active projects share and lists their ids', () => {
    const twin: ProjectRef = { id: 'proj_billing2', name: 'BILLING', status: 'active' };
    const error = errorOf(resolveProject('billing', [billing, twin]));
    expect(error.kind).toBe('ambiguous');
    expect(error.message).toBe('2 projects are named "Billing". Use the id of the one you mean: proj_billing, proj_billing2.');
    expect(resolveProject('proj_billing2', [billing, twin])).toEqual({ ok: true, value: twin });
  });
});

describe('splitProjectAndPurpose', () => {
  const split = (args: string) => splitProjectAndPurpose(args, PROJECTS);

  it('takes the longest project name the text starts with', () => {
    expect(split('Support Bot answer tickets faster')).toEqual({
      ok: true,
      value: { project: supportBot, purpose: 'answer tickets faster' },
    });
    expect(split('support triage the inbox')).toEqual({ ok: true, value: { project: support, purpose: 'triage the inbox' } });
    expect(split('SUPPORT BOT   answer tickets')).toEqual({ ok: true, value: { project: supportBot, purpose: 'answer tickets' } });
  });

  it('matches whole words only', () => {
    expect(split('Supporter tools for tickets').ok).toBe(false);
    expect(split('Support Botany research')).toEqual({ ok: true, value: { project: support, purpose: 'Botany research' } });
  });

  it('accepts a quoted name or an id', () => {
    expect(split('"Support Bot" answer tickets')).toEqual({ ok: true, value: { project: supportBot, purpose: 'answer tickets' } });
    expect(split('“support bot” answer tickets')).toEqual({ ok: true, value: { project: supportBot, purpose: 'answer tickets' } });
    expect(split("'Billing' monthly invoices")).toEqual({ ok: true, value: { project: billing, purpose: 'monthly invoices' } });
    expect(split('proj_billing monthly invoices')).toEqual({ ok: true, value: { project: billing, purpose: 'monthly invoices' } });
  });

  it('drops a separator between project and purpose, and keeps the purpose as written', () => {
    expect(split('Support Bot: answer tickets')).toEqual({ ok: true, value: { project: supportBot, purpose: 'answer tickets' } });
    expect(split('Billing - invoices & receipts')).toEqual({ ok: true, value: { project: billing, purpose: 'invoices & receipts' } });
    expect(split('Billing -3% fees audit')).toEqual({ ok: true, value: { project: billing, purpose: '-3% fees audit' } });
    expect(split('Billing draft  emails\nfor 🧾 receipts')).toEqual({
      ok: true,
      value: { project: billing, purpose: 'draft  emails\nfor 🧾 receipts' },
    });
    expect(split('Café Ops menu translations')).toEqual({ ok: true, value: { project: cafe, purpose: 'menu translations' } });
  });

  it('asks for a project when given nothing', () => {
    expect(errorOf(split('   '))).toEqual({
      kind: 'no_project',
      message: 'Name the project and say what the key is for, like: request "Support Bot" answer support tickets faster',
    });
    expect(errorOf(split('"" answer tickets')).kind).toBe('no_project');
  });

  it('refuses an unknown project with suggestions from the first words', () => {
    const error = errorOf(split('Suport Bot answer tickets'));
    expect(error.kind).toBe('unknown');
    if (error.kind === 'unknown') {
      expect(error.query).toBe('Suport');
      expect(error.suggestions).toEqual(['Support', 'Support Bot']);
    }
    expect(error.message).toBe('No project is named "Suport". Did you mean "Support" or "Support Bot"?');
    const twoWords = errorOf(split('Reserch Lab summarise papers'));
    expect(twoWords.kind === 'unknown' && twoWords.suggestions).toEqual(['Research Lab']);
  });

  it('refuses an archived project, even when a shorter active name also matches', () => {
    const error = errorOf(split('Support Bot Legacy keep the old bot running'));
    expect(error.kind).toBe('archived');
    expect(error.message).toContain('"Support Bot Legacy" is archived');
  });

  it('asks for the purpose when only the project is given', () => {
    expect(errorOf(split('Support Bot'))).toEqual({
      kind: 'missing_purpose',
      project: supportBot,
      message: 'Say what the key for "Support Bot" is for, after the project name, like: request "Support Bot" answer support tickets faster',
    });
    expect(errorOf(split('"Billing" :')).kind).toBe('missing_purpose');
    expect(errorOf(split('proj_billing')).message).toContain('like: request Billing answer support tickets faster');
  });

  it('refuses a quote that is never closed', () => {
    expect(errorOf(split('"Support Bot answer tickets'))).toEqual({
      kind: 'unclosed_quote',
      message: 'The project name starting with " has no closing quote. Write it like: request "Support Bot" answer support tickets faster',
    });
  });
});

/** The limit subcommands (limits, limit, ratelimit, audit) as the slash command reads them. */
import { describe, expect, it } from 'vitest';
import type { Command, CommandError } from '../../../src/commands/domain/command.js';
import { LIMIT_HELP } from '../../../src/limits/domain/limitCommands.js';
import { parsed, refused } from '../../support/commandParsing.js';

describe('parseCommand: a person or channel where a project belongs', () => {
  it.each([
    ['limits <@U0RILEY|riley>', 'limits'],
    ['limit <@U0RILEY> soft 5', 'limit'],
    ['ratelimit <#C0123ABCD|general>', 'ratelimit'],
    ['audit <@U0RILEY> 30', 'audit'],
  ])('refuses %s, pointing to limits for project names (not to request)', (text, subcommand) => {
    const error = refused(text);
    expect(error.kind).toBe('not_a_project');
    expect(error.subcommand).toBe(subcommand);
    expect(error.message).toMatch(/is a (person or group|channel), not a project/);
    expect(error.message).toContain('`/openai-key limits` lists every project');
    expect(error.message).not.toContain('request');
  });
});

describe('parseCommand: limits', () => {
  it('reads no projects as every project', () => {
    expect(parsed('limits')).toEqual({ kind: 'limits', projects: [] });
  });

  it('reads single words and quoted names', () => {
    expect(parsed('limits "Support Bot" Billing “Café Ops” proj_x')).toEqual({
      kind: 'limits',
      projects: ['Support Bot', 'Billing', 'Café Ops', 'proj_x'],
    });
  });

  it('refuses an unclosed quote', () => {
    expect(refused('limits "Support Bot')).toEqual({
      kind: 'unclosed_quote',
      message: 'The name starting with " has no closing quote. Put names with spaces in quotes, like "Support Bot".',
      subcommand: 'limits',
    });
  });
});

describe('parseCommand: limit', () => {
  it('reads every option, in any order', () => {
    expect(parsed('limit "Support Bot" soft $1,250.50 hard 2.5k at 50,80,100 channel <#C0123ABCD|ai-spend>')).toEqual({
      kind: 'limit',
      project: 'Support Bot',
      change: { soft: 125_050, hard: 250_000, thresholds: [50, 80, 100], channelId: 'C0123ABCD' },
    });
    expect(parsed('limit Billing channel C0123ABCD at 90% hard 1k')).toEqual({
      kind: 'limit',
      project: 'Billing',
      change: { channelId: 'C0123ABCD', thresholds: [90], hard: 100_000 },
    });
  });

  it('reads hard off, and option words in any case', () => {
    expect(parsed('limit Billing HARD Off')).toEqual({ kind: 'limit', project: 'Billing', change: { hard: 'off' } });
  });

  it('reads an unquoted name with spaces up to the first option', () => {
    expect(parsed('limit Support Bot soft 500')).toEqual({ kind: 'limit', project: 'Support Bot', change: { soft: 50_000 } });
  });

  it('reads a quoted name even when it contains an option word', () => {
    expect(parsed('limit "Hard Hat" soft 5')).toEqual({ kind: 'limit', project: 'Hard Hat', change: { soft: 500 } });
  });

  it('reads the channel in each form Slack sends', () => {
    for (const channel of ['<#C123|name>', '<#C123>', '<#C123|>', 'C123', '#C123', '<#G0PRIVATE1|secret>']) {
      const command = parsed(`limit Billing channel ${channel}`);
      expect(command.kind === 'limit' && command.change.channelId).toBe(channel.includes('G0') ? 'G0PRIVATE1' : 'C123');
    }
  });

  it('reads thresholds written with spaces', () => {
    for (const text of ['at 50, 80, 100', 'at 50 80 100', 'at 50% ,80%, 100%']) {
      expect(parsed(`limit Billing ${text} soft 5`)).toEqual({
        kind: 'limit',
        project: 'Billing',
        change: { thresholds: [50, 80, 100], soft: 500 },
      });
    }
  });

  it('refuses a missing project', () => {
    expect(refused('limit')).toEqual({
      kind: 'missing_argument',
      message: 'Name the project first, like: limit "Support Bot" soft 500 hard 1k',
      subcommand: 'limit',
    });
    expect(refused('limit soft 500').kind).toBe('missing_argument');
    expect(refused('limit "" soft 500').kind).toBe('missing_argument');
  });

  it('refuses a project with nothing to change', () => {
    expect(refused('limit "Support Bot"')).toEqual({
      kind: 'missing_option',
      message:
        'Say what to change for "Support Bot", like: limit "Support Bot" soft 500 hard 1k. You can use soft <amount>, hard <amount> (until <date or Nd> for a temporary raise) or hard off, at <percentages>, channel <#channel>.',
      subcommand: 'limit',
    });
  });

  it('refuses an option given twice', () => {
    expect(refused('limit Billing soft 5 soft 6')).toEqual({
      kind: 'duplicate_option',
      message: 'soft is given twice; give each option once.',
      subcommand: 'limit',
    });
  });

  it('refuses an option without its value', () => {
    expect(refused('limit Billing soft')).toEqual({
      kind: 'missing_argument',
      message: 'soft needs an amount, like soft 500.',
      subcommand: 'limit',
    });
    expect(refused('limit Billing hard at 50').message).toBe('hard needs an amount or off, like hard 1k or hard off.');
    expect(refused('limit Billing at').message).toBe('at needs percentages, like at 50,80,100.');
    expect(refused('limit Billing channel').message).toBe('channel needs a channel, like channel #ai-spend.');
  });

  it('refuses an unknown option', () => {
    expect(refused('limit "Support Bot" monthly 500')).toEqual({
      kind: 'unknown_option',
      message:
        '"monthly" is not something limit can change. Use soft <amount>, hard <amount> (until <date or Nd> for a temporary raise) or hard off, at <percentages>, channel <#channel>. Put project names with spaces in quotes.',
      subcommand: 'limit',
    });
  });

  it('refuses a bad amount with the amount rules', () => {
    expect(refused('limit Billing soft 12,50')).toEqual({
      kind: 'invalid_amount',
      message:
        'Soft limit: "12,50" has a comma out of place: commas go between groups of three digits, like 1,250 or 1,000,000. Use dollars like 500, $1,250.50 or 2.5k.',
      subcommand: 'limit',
    });
    expect(refused('limit Billing hard -5').message).toMatch(/^Hard limit: The amount must be positive/);
    expect(refused('limit Billing hard 2000k').message).toBe('Hard limit: "2000k" is too large: the most is $1,000,000.00.');
  });

  it('refuses bad thresholds with the threshold rules', () => {
    expect(refused('limit Billing at 80,50')).toEqual({
      kind: 'invalid_thresholds',
      message: 'Alert thresholds: Thresholds must go up: 50% comes after 80%. Give 1 to 5 percentages from 1 to 100, going up, like 50,80,100.',
      subcommand: 'limit',
    });
    expect(refused('limit Billing at fifty').kind).toBe('invalid_thresholds');
  });

  it('refuses a channel Slack sent as plain text, or something else', () => {
    expect(refused('limit Billing channel #ai-spend')).toEqual({
      kind: 'invalid_channel',
      message:
        'Slack sent "#ai-spend" as plain text, so I can\'t tell which channel it is. Pick the channel from the list Slack shows when you type #, or give its id (like C0123ABCD, at the bottom of the channel\'s details).',
      subcommand: 'limit',
    });
    expect(refused('limit Billing channel <@U123>').message).toMatch(/^"@U123" is not a channel\./);
    expect(refused('limit Billing channel CAT').kind).toBe('invalid_channel');
  });
});

describe('parseCommand: ratelimit', () => {
  it('shows a project when no model is given', () => {
    expect(parsed('ratelimit Billing')).toEqual({ kind: 'ratelimit-show', project: 'Billing' });
    expect(parsed('ratelimit "Support Bot"')).toEqual({ kind: 'ratelimit-show', project: 'Support Bot' });
  });

  it('reads a model and its limits', () => {
    expect(parsed('ratelimit Billing gpt-4o-mini rpm 500 TPM 200k rpd 10,000')).toEqual({
      kind: 'ratelimit',
      project: 'Billing',
      model: 'gpt-4o-mini',
      change: { rpm: 500, tpm: 200_000, rpd: 10_000 },
    });
    expect(parsed('ratelimit "Support Bot" ft:gpt-4o-mini:acme:bot:abc123 tpm 1.5m')).toEqual({
      kind: 'ratelimit',
      project: 'Support Bot',
      model: 'ft:gpt-4o-mini:acme:bot:abc123',
      change: { tpm: 1_500_000 },
    });
  });

  it('refuses a missing project', () => {
    expect(refused('ratelimit')).toEqual({
      kind: 'missing_argument',
      message: 'Name the project, like: ratelimit Billing, or ratelimit Billing gpt-4o-mini rpm 500',
      subcommand: 'ratelimit',
    });
  });

  it('refuses a model with no limit to set', () => {
    expect(refused('ratelimit Billing gpt-4o')).toEqual({
      kind: 'missing_option',
      message:
        'Say which limit to set for gpt-4o: rpm <n> (requests per minute), tpm <n> (tokens per minute), rpd <n> (requests per day), like: ratelimit Billing gpt-4o rpm 500. To see the current limits, leave the model out.',
      subcommand: 'ratelimit',
    });
  });

  it('refuses a limit word where the model belongs', () => {
    expect(refused('ratelimit "Support Bot" rpm 5').message).toBe(
      'Name the model before rpm, like: ratelimit "Support Bot" gpt-4o-mini rpm 500',
    );
  });

  it('refuses an unknown option, hinting at unquoted names with spaces', () => {
    expect(refused('ratelimit Support Bot gpt-4o rpm 5')).toEqual({
      kind: 'unknown_option',
      message:
        '"gpt-4o" is not a rate limit. Use rpm <n> (requests per minute), tpm <n> (tokens per minute), rpd <n> (requests per day). Put project names with spaces in quotes, like "Support Bot".',
      subcommand: 'ratelimit',
    });
  });

  it('refuses a repeated option, a missing number and a bad number', () => {
    expect(refused('ratelimit Billing gpt-4o rpm 5 rpm 6').kind).toBe('duplicate_option');
    expect(refused('ratelimit Billing gpt-4o rpm').message).toBe('rpm needs a number, like rpm 500.');
    expect(refused('ratelimit Billing gpt-4o rpm 1.5')).toEqual({
      kind: 'invalid_number',
      message: 'rpm: "1.5" is not a whole number. Use a positive whole number like 500, 10,000 or 200k.',
      subcommand: 'ratelimit',
    });
    expect(refused('ratelimit Billing gpt-4o rpm 0').message).toBe('rpm: It must be a positive whole number (at least 1); "0" is not. Use a positive whole number like 500, 10,000 or 200k.');
    expect(refused('ratelimit Billing gpt-4o tpm 2000m').message).toBe('tpm: "2000m" is too large; the most is 1,000,000,000.');
    expect(refused('ratelimit Billing gpt-4o rpd lots').message).toBe('rpd: "lots" is not a number. Use a positive whole number like 500, 10,000 or 200k.');
  });

  it('says a negative value must be a positive whole number, for every number it reads', () => {
    for (const option of ['rpm', 'tpm', 'rpd']) {
      expect(refused(`ratelimit P gpt-4o ${option} -5`)).toEqual({
        kind: 'invalid_number',
        message: `${option}: It must be a positive whole number; "-5" is negative. Use a positive whole number like 500, 10,000 or 200k.`,
        subcommand: 'ratelimit',
      });
    }
    expect(refused('audit "Support Bot" -5').message).toBe(
      'The number of days must be a positive whole number from 1 to 90; "-5" is not. Like: audit "Support Bot" 30',
    );
    expect(refused('audit 2.5').kind).toBe('invalid_days');
    expect(refused('limit Billing at -50').message).toBe(
      'Alert thresholds must be positive whole percentages from 1 to 100; "-50" is not. Like: at 50,80,100',
    );
    expect(refused('limit Billing soft -5').message).toMatch(/must be positive/);
  });

  it('refuses something that is not a model name', () => {
    expect(refused('ratelimit Billing <@U1> rpm 5')).toEqual({
      kind: 'invalid_model',
      message: '"@U1" is not a model name. Use a model id like gpt-4o-mini.',
      subcommand: 'ratelimit',
    });
  });
});

describe('parseCommand: audit', () => {
  it.each([
    ['audit', { project: null, days: 7 }],
    ['audit 30', { project: null, days: 30 }],
    ['audit 30d', { project: null, days: 30 }],
    ['audit 14 days', { project: null, days: 14 }],
    ['audit Billing', { project: 'Billing', days: 7 }],
    ['audit Billing 1', { project: 'Billing', days: 1 }],
    ['audit "Support Bot" 90', { project: 'Support Bot', days: 90 }],
    ['audit Support Bot 2 days', { project: 'Support Bot', days: 2 }],
    ['audit "2024"', { project: '2024', days: 7 }],
  ])('reads "%s"', (text, expected) => {
    expect(parsed(text)).toEqual({ kind: 'audit', ...expected });
  });

  it.each(['0', '91', '99999999999999999999999'])('refuses %s days', (days) => {
    expect(refused(`audit Billing ${days}`)).toEqual({
      kind: 'invalid_days',
      message: `The audit covers 1 to 90 days; ${days} is out of range. Like: audit "Support Bot" 30`,
      subcommand: 'audit',
    });
  });

  it('refuses words after a quoted project', () => {
    expect(refused('audit "Support Bot" last month')).toEqual({
      kind: 'extra_argument',
      message: 'After the project name comes only the number of days, like: audit "Support Bot" 30',
      subcommand: 'audit',
    });
  });
});

describe('parseCommand: limit … until (a temporary raise)', () => {
  // A fixed clock: 2027-02-20 09:30:20 UTC.
  const NOW = Date.UTC(2027, 1, 20, 9, 30, 20);
  const parsedAt = (text: string): Command => parsed(text, { now: NOW });
  const refusedAt = (text: string): CommandError => refused(text, { now: NOW });
  const untilOf = (text: string): number | undefined => {
    const command = parsedAt(text);
    return command.kind === 'limit' ? command.change.until : undefined;
  };

  it('reads a date as 00:00 UTC that day, and a UTC time exact to the minute', () => {
    expect(parsedAt('limit Billing hard 2k until 2027-03-01')).toEqual({
      kind: 'limit',
      project: 'Billing',
      change: { hard: 200_000, until: Date.UTC(2027, 2, 1) },
    });
    expect(untilOf('limit Billing hard 2k until 2027-03-01T18:00Z')).toBe(Date.UTC(2027, 2, 1, 18, 0));
    expect(untilOf('limit Billing until 2027-03-01T18:00+01:00 hard 2k')).toBe(Date.UTC(2027, 2, 1, 17, 0));
  });

  it('reads days and hours from now, cut to the whole minute', () => {
    expect(untilOf('limit Billing hard 2k until 7d')).toBe(Date.UTC(2027, 1, 27, 9, 30));
    expect(untilOf('limit Billing hard 2k until 12h')).toBe(Date.UTC(2027, 1, 20, 21, 30));
    expect(untilOf('limit Billing hard 2k until 7 days')).toBe(Date.UTC(2027, 1, 27, 9, 30));
  });

  it('refuses an end in the past, with the moment in UTC and the usage', () => {
    const error = refusedAt('limit Billing hard 2k until 2027-02-19');
    expect(error).toMatchObject({ kind: 'invalid_date', subcommand: 'limit' });
    expect(error.message).toMatch(/2027-02-19 00:00 UTC, which has already passed/);
    expect(error.message).toMatch(/until 7d/);
  });

  it('refuses an end more than a year ahead', () => {
    expect(refusedAt('limit Billing hard 2k until 2028-03-01').message).toMatch(/more than a year ahead/);
    expect(refusedAt('limit Billing hard 2k until 366d').message).toMatch(/more than a year ahead/);
    expect(untilOf('limit Billing hard 2k until 365d')).toBe(Date.UTC(2028, 1, 20, 9, 30));
  });

  it('refuses dates that do not exist and words that are not dates', () => {
    expect(refusedAt('limit Billing hard 2k until 2027-02-30').message).toMatch(/not a real date/);
    expect(refusedAt('limit Billing hard 2k until tomorrow').message).toMatch(/"tomorrow" is not a date or a number of days or hours/);
    expect(refusedAt('limit Billing hard 2k until 0d').message).toMatch(/at least a minute/);
    expect(refusedAt('limit Billing hard 2k until').message).toMatch(/until needs a date/);
  });

  it('takes until only with hard <amount>: not alone, not with hard off', () => {
    expect(refusedAt('limit Billing until 7d')).toMatchObject({ kind: 'missing_option', subcommand: 'limit' });
    expect(refusedAt('limit Billing soft 5 until 7d').message).toMatch(/needs the raised cap/);
    expect(refusedAt('limit Billing hard off until 7d').message).toMatch(/cannot go with hard off/);
    expect(refusedAt('limit Billing hard 2k until 7d until 8d').kind).toBe('duplicate_option');
  });

  it('shows until in the limit usage', () => {
    const [entry] = LIMIT_HELP.filter((e) => e.command === 'limit');
    expect(entry?.usage).toMatch(/until <date or Nd>/);
  });
});

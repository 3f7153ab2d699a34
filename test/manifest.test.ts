import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { SLASH_COMMAND, STEP } from '../src/platform/slack/ids.js';
import { functionDefinitionsOf, parametersProblems, type ManifestFunctions } from '../src/emulators/slack/functions.js';
import { requestKeyOutputs } from '../src/keys/listeners/workflowStep.js';
import { projectSpendOutputs } from '../src/spend/listeners/workflowStep.js';
import type { Cents } from '../src/platform/domain/money.js';
import { contractPath, describeWithContracts, itWithContracts } from './support/contracts.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const manifestPath = path.resolve(repoRoot, 'manifest.yml');

type Manifest = {
  display_information: { name: string; description?: string; background_color?: string };
  features: {
    app_home: { home_tab_enabled: boolean; messages_tab_enabled: boolean };
    bot_user: { display_name: string; always_online: boolean };
    slash_commands: Array<{
      command: string;
      url?: string;
      description: string;
      usage_hint?: string;
      should_escape?: boolean;
    }>;
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url?: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url?: string; message_menu_options_url?: string };
    org_deploy_enabled: boolean;
    socket_mode_enabled: boolean;
    token_rotation_enabled: boolean;
  };
  functions: ManifestFunctions;
};

function compileManifestValidator(): ValidateFunction {
  const schema = JSON.parse(readFileSync(contractPath('slackManifestSchema'), 'utf8')) as Record<string, unknown>;
  // The schema declares draft-07, which is Ajv's default class.
  expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  // strictTypes off: Slack's schema puts minItems beside anyOf branches without repeating `type`,
  // which is valid JSON Schema. Unknown keywords and formats stay errors.
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
  ajvFormats.default(ajv);
  // Slack's schema carries two keywords outside JSON Schema: `_note` (a comment) and `regex`,
  // which Slack uses as a pattern on background_color. Enforce `regex` rather than ignore it.
  ajv.addKeyword({ keyword: '_note', schemaType: 'string' });
  ajv.addKeyword({
    keyword: 'regex',
    type: 'string',
    schemaType: 'string',
    validate: (pattern: string, data: string) => new RegExp(pattern).test(data),
  });
  return ajv.compile(schema);
}

function loadManifest(): Manifest {
  return parse(readFileSync(manifestPath, 'utf8')) as Manifest;
}

function errorsOf(validator: () => ValidateFunction, data: unknown): string[] {
  const validate = validator();
  validate(data);
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}

// Compiled on first use, inside the suites that need Slack's schema (KEYWARDEN_CONTRACTS); the rest run without it.
let compiled: ValidateFunction | undefined;
const validate = (): ValidateFunction => (compiled ??= compileManifestValidator());
const host = 'https://keywarden.example.com';

describe('manifest.yml', () => {
  itWithContracts('is valid against Slack manifest schema 1.0.0', () => {
    expect(errorsOf(validate, loadManifest())).toEqual([]);
  });

  it('declares the slash command the app listens for, with every subcommand in its hint', () => {
    const commands = loadManifest().features.slash_commands;
    expect(commands).toHaveLength(1);
    const [command] = commands;
    expect(command?.command).toBe(SLASH_COMMAND);
    expect(command?.url).toBe(`${host}/slack/events`);
    expect(command?.should_escape).toBe(true);
    for (const sub of ['help', 'request', 'list', 'revoke', 'limits', 'limit', 'ratelimit', 'audit']) {
      expect(command?.usage_hint?.split(' | ')).toContain(sub);
    }
  });

  it('subscribes to the events the app handles and sends everything to /slack/events', () => {
    const { settings, features } = loadManifest();
    expect([...settings.event_subscriptions.bot_events].sort()).toEqual(
      ['app_home_opened', 'message.channels', 'message.groups', 'message.im', 'function_executed'].sort(),
    );
    expect(settings.event_subscriptions.request_url).toBe(`${host}/slack/events`);
    expect(settings.interactivity).toEqual({ is_enabled: true, request_url: `${host}/slack/events`, message_menu_options_url: `${host}/slack/events` });
    expect(settings.socket_mode_enabled).toBe(false);
    // Slack shows an app's steps in Workflow Builder only when the app is org-ready
    expect(settings.org_deploy_enabled).toBe(true);
    expect(settings.token_rotation_enabled).toBe(false);
    expect(features.app_home.home_tab_enabled).toBe(true);
    expect(features.app_home.messages_tab_enabled).toBe(true);
    expect(features.bot_user.always_online).toBe(true);
  });

  it('asks for exactly the bot scopes the app uses, and not chat:write.public', () => {
    const scopes = loadManifest().oauth_config.scopes.bot;
    expect([...scopes].sort()).toEqual(
      [
        'commands',
        'chat:write',
        'im:write',
        'im:history',
        'channels:history',
        'groups:history',
        'users:read',
        'usergroups:read',
      ].sort(),
    );
    expect(scopes).not.toContain('chat:write.public');
  });

  itWithContracts('stays valid after the Socket Mode edit its header describes', () => {
    const socket = loadManifest();
    socket.settings.socket_mode_enabled = true;
    delete socket.features.slash_commands[0]?.url;
    delete socket.settings.event_subscriptions.request_url;
    delete socket.settings.interactivity.request_url;
    delete socket.settings.interactivity.message_menu_options_url;
    expect(errorsOf(validate, socket)).toEqual([]);
  });

  describe('Workflow Builder steps (functions)', () => {
    const definitions = () => functionDefinitionsOf(loadManifest().functions);
    const step = (id: string) => {
      const found = definitions().find((d) => d.callback_id === id);
      if (!found) throw new Error(`manifest.yml declares no function ${id}`);
      return found;
    };

    it('declares exactly the two steps the app listens for, each with a title and a description', () => {
      expect(definitions().map((d) => d.callback_id).sort()).toEqual([STEP.projectSpend, STEP.requestKey].sort());
      for (const d of definitions()) {
        expect(d.title.length).toBeGreaterThan(0);
        expect(d.description?.length ?? 0).toBeGreaterThan(0);
      }
    });

    it('request_openai_key takes requester (a user), project, purpose and an optional lifetime, and gives request_id and state', () => {
      const d = step(STEP.requestKey);
      const inputs = Object.fromEntries(d.input_parameters.map((p) => [p.name, [p.type, p.is_required ?? false]]));
      expect(inputs).toEqual({
        requester: ['slack#/types/user_id', true],
        project: ['string', true],
        purpose: ['string', true],
        lifetime_days: ['integer', false],
      });
      expect(d.output_parameters.filter((p) => p.is_required).map((p) => p.name).sort()).toEqual(['request_id', 'state', 'state_text']);
    });

    it('get_project_spend takes a project and gives month to date, limits and a forecast date with Slack types', () => {
      const d = step(STEP.projectSpend);
      expect(d.input_parameters.map((p) => [p.name, p.type, p.is_required])).toEqual([['project', 'string', true]]);
      const types = Object.fromEntries(d.output_parameters.map((p) => [p.name, p.type]));
      expect(types).toMatchObject({
        month_to_date: 'string',
        month_to_date_dollars: 'number',
        soft_limit: 'string',
        hard_cap: 'string',
        forecast_date: 'slack#/types/date',
        polled_at: 'slack#/types/timestamp',
      });
    });

    it('the outputs the steps produce conform to what the manifest declares', () => {
      expect(parametersProblems(step(STEP.requestKey).output_parameters, requestKeyOutputs({ id: 'req_abcdefghij', state: 'pending' }))).toEqual([]);
      const report = {
        project: { id: 'proj_1', name: 'Support Bot', status: 'active' as const },
        month: '2026-11',
        spentCents: 123_456 as Cents,
        estimateMissing: false,
        softCents: 200_000 as Cents,
        hardCents: 300_000 as Cents,
        enforcement: 'inactive' as const,
        forecast: {
          kind: 'projected' as const,
          basisDays: 7,
          spentCents: 123_456 as Cents,
          dailyAverageCents: 10_000 as Cents,
          projectedCents: 273_456 as Cents,
          centsPerDay: 10_000,
          at: Date.UTC(2026, 10, 15),
          monthEnd: Date.UTC(2026, 11, 1),
        },
        polledAt: Date.UTC(2026, 10, 15),
      };
      const outputs = projectSpendOutputs(report);
      expect(outputs).toMatchObject({ month_to_date: '$1,234.56', month_to_date_dollars: 1234.56 });
      expect(parametersProblems(step(STEP.projectSpend).output_parameters, outputs)).toEqual([]);
      const bare = projectSpendOutputs({ ...report, softCents: null, hardCents: null, forecast: null });
      expect(bare).not.toHaveProperty('forecast_date');
      expect(parametersProblems(step(STEP.projectSpend).output_parameters, bare)).toEqual([]);
    });

    itWithContracts("uses only the parameter types Slack's function schema lists", () => {
      const schema = JSON.parse(readFileSync(contractPath('slackManifestSchema'), 'utf8')) as {
        definitions: Record<string, { properties: { type: { enum: string[] } } }>;
      };
      const known = schema.definitions['slack-functions.parameter']?.properties.type.enum ?? [];
      expect(known.length).toBeGreaterThan(0);
      for (const d of definitions()) {
        for (const p of [...d.input_parameters, ...d.output_parameters]) expect(known, `${d.callback_id}.${p.name}`).toContain(p.type);
      }
    });

    itWithContracts('the validator rejects a step without a title', () => {
      const broken = loadManifest() as Manifest & { functions: Record<string, Record<string, unknown>> };
      Reflect.deleteProperty(broken.functions[STEP.requestKey]!, 'title');
      expect(errorsOf(validate, broken)).toContain(`/functions/${STEP.requestKey} must have required property 'title'`);
    });
  });

  describeWithContracts('the validator rejects broken copies', () => {
    it('without display_information.name', () => {
      const broken = loadManifest();
      Reflect.deleteProperty(broken.display_information, 'name');
      expect(errorsOf(validate, broken)).toContain("/display_information must have required property 'name'");
    });

    it('with a slash command missing its leading slash', () => {
      const broken = loadManifest();
      broken.features.slash_commands[0]!.command = 'openai-key';
      expect(errorsOf(validate, broken)).toContain('/features/slash_commands/0/command must match pattern "^\\/"');
    });

    it('with an unknown settings key', () => {
      const broken = loadManifest() as Manifest & { settings: Record<string, unknown> };
      broken.settings.socket_mode = true;
      expect(errorsOf(validate, broken)).toContain('/settings must NOT have additional properties');
    });

    it('with interactivity lacking is_enabled', () => {
      const broken = loadManifest();
      Reflect.deleteProperty(broken.settings.interactivity, 'is_enabled');
      expect(errorsOf(validate, broken)).toContain("/settings/interactivity must have required property 'is_enabled'");
    });

    it('with a background colour that is not a hex colour', () => {
      const broken = loadManifest();
      broken.display_information.background_color = 'navy';
      expect(errorsOf(validate, broken)).toContain('/display_information/background_color must pass "regex" keyword validation');
    });
  });
});

import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';

import { contractPath } from '../../support/contracts.js';

const SCHEMA_ID = 'https://keywarden.test/openai-admin-schemas.json';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface OpenApiResponse {
  $ref?: string;
  content?: { 'application/json'?: { schema?: Json } };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Record<string, OpenApiResponse> }>>;
  components: { schemas: Record<string, Json>; responses: Record<string, OpenApiResponse> };
}

export interface ContractCheck {
  /** The schema's errors for this answer (empty when it conforms), and which schema was used. */
  (pathTemplate: string, method: string, status: number, body: unknown): { schema: string; errors: string[] };
}

/** Points every `#/components/schemas/X` at the `$defs` of one schema document, so Ajv resolves them strictly. */
function relocateRefs(value: Json): Json {
  if (Array.isArray(value)) return value.map(relocateRefs);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, Json> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] =
      key === '$ref' && typeof inner === 'string' && inner.startsWith('#/components/schemas/')
        ? `${SCHEMA_ID}#/$defs/${inner.slice('#/components/schemas/'.length)}`
        : relocateRefs(inner);
  }
  return out;
}

/**
 * Loads the OpenAI Admin API contract and checks an answer against the schema the contract gives for that path,
 * method and status. An error status the path does not list is held to the contract's ErrorResponse, the shape OpenAI
 * uses for every error. The document comes from the KEYWARDEN_CONTRACTS folder (test/support/contracts.ts).
 * @throws Error when KEYWARDEN_CONTRACTS is unset or lacks the document; call it inside `describeWithContracts`
 */
export function loadContract(): { document: OpenApiDocument; check: ContractCheck } {
  const document = JSON.parse(readFileSync(contractPath('openaiAdmin'), 'utf8')) as OpenApiDocument;
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, discriminator: true });
  ajvFormats.default(ajv);
  ajv.addFormat('unixtime', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
  // Annotations that OpenAI's spec carries beyond JSON Schema; they constrain nothing.
  for (const keyword of ['x-stainless-const', 'x-oaiMeta', 'x-oaiTypeLabel', 'x-oaiExpandable', 'example']) ajv.addKeyword({ keyword });
  const defs: Record<string, Json> = {};
  for (const [name, schema] of Object.entries(document.components.schemas)) defs[name] = relocateRefs(schema);
  ajv.addSchema({ $id: SCHEMA_ID, $defs: defs });

  const compiled = new Map<string, ValidateFunction>();
  const validatorFor = (key: string, schema: Json): ValidateFunction => {
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile(relocateRefs(schema) as object);
      compiled.set(key, validate);
    }
    return validate;
  };

  const check: ContractCheck = (pathTemplate, method, status, body) => {
    const operation = document.paths[pathTemplate]?.[method.toLowerCase()];
    if (!operation) throw new Error(`The contract has no ${method} ${pathTemplate}.`);
    let response = operation.responses[String(status)];
    if (response?.$ref) response = document.components.responses[response.$ref.split('/').at(-1)!];
    let schema = response?.content?.['application/json']?.schema;
    let schemaName = `${method.toUpperCase()} ${pathTemplate} ${status}`;
    if (!schema) {
      if (status < 400) throw new Error(`The contract lists no ${status} answer for ${method} ${pathTemplate}.`);
      schema = { $ref: '#/components/schemas/ErrorResponse' };
      schemaName = 'ErrorResponse';
    }
    const validate = validatorFor(schemaName, schema);
    const valid = validate(body);
    return { schema: schemaName, errors: valid ? [] : (validate.errors ?? []).map(describeError) };
  };
  return { document, check };
}

function describeError(e: ErrorObject): string {
  return `${e.instancePath || '/'} ${e.message ?? e.keyword}`;
}

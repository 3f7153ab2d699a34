/**
 * An emulator of OpenAI's Admin API (`/v1/organization/...`) on a real loopback HTTP server, built to the contract in
 * shared/contracts/openai-admin-openapi.json, for end-to-end tests, benchmarks and the local sandbox.
 */
export { startOpenAIEmulator, type OpenAIEmulator, type OpenAIEmulatorOptions } from './server.js';
export { seedDemoOrganization } from './demo-organization.js';
export type { CreatedServiceAccount, NewProject, NewServiceAccount, NewUserApiKey } from './organization.js';
export type {
  ApiKey,
  ApiKeyOwner,
  ApiKeyUser,
  CostEntry,
  CostValueForm,
  EmulatedRateLimits,
  InjectedFault,
  Project,
  ProjectStatus,
  RateLimit,
  RecordedCall,
  ServiceAccount,
  ServiceAccountRole,
  SpendLimitState,
  SpendLimitStatus,
  UsageEntry,
} from './model.js';

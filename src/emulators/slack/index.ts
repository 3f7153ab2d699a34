export { startSlackEmulator } from './server.js';
export { createSlackDriver, type SlackDriverOptions } from './driver.js';
export { signSlackRequest } from './signature.js';
export type {
  DriverResponse,
  EphemeralVia,
  MessageButtonClick,
  RawRequest,
  ResponseUrlPost,
  SlackCall,
  SlackChange,
  SlackChannelSeed,
  SlackDriver,
  SlackEmulator,
  SlackEmulatorOptions,
  SlackEphemeral,
  SlackFault,
  SlackMessage,
  SlackUserSeed,
  SlackUsergroupSeed,
  SlackView,
  SlashCommandInput,
  UserMessageInput,
  ViewButtonClick,
  ViewInputValue,
  ViewStateValues,
  ViewSubmission,
} from './types.js';

export { startSlackEmulator } from './server.js';
export type { ChannelRateLimit, PacingDecision, PacingRefusal, PacingReport } from './channelPacing.js';
export {
  createSlackDriver,
  SOCKET_MODE_NO_ACK_STATUS,
  type HttpDriverOptions,
  type SlackDriverOptions,
  type SocketDriverOptions,
} from './driver.js';
export {
  SocketModeServer,
  type SocketModeAckRecord,
  type SocketModeConnectionRecord,
  type SocketModeDeliverOptions,
  type SocketModeDelivery,
  type SocketModeDisconnectReason,
  type SocketModeEnvelopeRecord,
  type SocketModeEnvelopeType,
  type SocketModeOptions,
} from './socketMode.js';
export { signSlackRequest } from './signature.js';
export {
  SlackFunctions,
  functionDefinitionsOf,
  parameterProblem,
  type FunctionExecutionState,
  type ManifestFunctions,
  type SlackFunctionDefinition,
  type SlackFunctionExecution,
  type SlackFunctionParameter,
} from './functions.js';
export type {
  DriverResponse,
  EphemeralVia,
  FunctionExecutionInput,
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

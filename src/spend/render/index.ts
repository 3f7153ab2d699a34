export { renderAlertReply, REFUSING_SENTENCE, type AlertReply, type AlertReplyContext } from './alertReply.js';
export { progressBar, dayMonthText, type SpendProject } from './figures.js';
export {
  renderChannelFallbackNote,
  renderOpenAIAuthNotice,
  type OpenAIAuthNoticeInput,
} from './notices.js';
export { renderSpendStatus, type SpendStatus } from './status.js';

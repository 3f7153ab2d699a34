export { renderStateInWords } from './stateWords.js';
export { renderRequestMessage } from './requestMessage.js';
export { renderThreadNote } from './thread.js';
export { renderKeyDmAfterReveal, renderRequesterDm } from './dm.js';
export { revealRefusalFor } from './revealRefusal.js';
export {
  renderRequestModal,
  renderRevealRefusalModal,
  renderRevealedKeyModal,
  type RequestModalOptions,
} from './modals.js';
export {
  REQUEST_LIST_MAX_ITEMS,
  renderDuplicateRequestWarning,
  renderRequestCancelled,
  renderRequestSent,
  renderRequestList,
} from './ephemeral.js';

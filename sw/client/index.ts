/**
 * The page half of the broker: `createBrokerClient()` signs in and out through the service
 * worker and reports the session; the page calls its API with plain `fetch`.
 * @module
 */
export {
  createBrokerClient,
  type BrokerClient,
  type BrokerClientOptions,
  type LogoutOptions,
  type Protection,
  type RedirectLoginOptions,
} from './broker-client.ts';
export { BrokerError, type BrokerErrorCode } from '../errors.ts';
export { parseQueuedAnswer, SIGN_IN_ERROR_CODES } from '../protocol.ts';
export type {
  Credentials,
  DiagnosticCheck,
  DroppedWrite,
  DropReason,
  QueuedAnswer,
  QueuedWrite,
  Session,
  SessionEnd,
  SignInErrorCode,
  UserParser,
  UserRecord,
  WritesChangedMessage,
} from '../protocol.ts';

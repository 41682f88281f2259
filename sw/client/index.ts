/**
 * The page half of the broker: `createBrokerClient()` signs in and out through the service
 * worker and reports the session; the page calls its API with plain `fetch`.
 * @module
 */
export { createBrokerClient, type BrokerClient, type BrokerClientOptions, type Protection } from './broker-client.ts';
export { BrokerError, type BrokerErrorCode } from '../errors.ts';
export { parseQueuedAnswer } from '../protocol.ts';
export type {
  Credentials,
  DiagnosticCheck,
  DroppedWrite,
  DropReason,
  QueuedAnswer,
  QueuedWrite,
  Session,
  UserParser,
  UserRecord,
  WritesChangedMessage,
} from '../protocol.ts';

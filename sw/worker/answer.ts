import { toBrokerError } from '../errors.ts';
import { parseBrokerRequest, type BrokerReply } from '../protocol.ts';
import type { TokenBroker } from './token-broker.ts';

/**
 * Answers one message from a page. It is validated first: anything malformed or unknown gets
 * `bad_request` and changes nothing. Failures become `{ ok: false }` replies, never throws.
 */
export async function answer<User>(broker: TokenBroker<User>, data: unknown): Promise<BrokerReply<User>> {
  const parsed = parseBrokerRequest(data);
  if (!parsed.ok) return { ok: false, error: { code: 'bad_request', message: parsed.message } };
  const request = parsed.request;
  try {
    switch (request.type) {
      case 'login': {
        const { type: _type, ...credentials } = request;
        return { ok: true, session: await broker.login(credentials) };
      }
      case 'authorize':
        return { ok: true, authorizationUrl: await broker.authorize(request.returnUrl) };
      case 'logout':
        return { ok: true, ...(await broker.signOut()) };
      case 'session':
        return { ok: true, session: await broker.session() };
      case 'diagnose':
        return { ok: true, checks: await broker.diagnose() };
      case 'queued-writes':
        return { ok: true, writes: await broker.queuedWrites() };
      case 'replay-writes':
        return { ok: true, writes: (await broker.replayWrites()).pending };
    }
  } catch (error) {
    return { ok: false, error: toBrokerError(error).toBody() };
  }
}

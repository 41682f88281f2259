import type { TokenBroker } from './broker';
import { toBrokerError } from './errors';
import { parseBrokerRequest, type BrokerReply } from './protocol';

/**
 * Answers one message from a page. It is validated first: anything malformed or unknown gets
 * `bad_request` and changes nothing. Failures become `{ ok: false }` replies, never throws.
 */
export async function answer(broker: TokenBroker, data: unknown): Promise<BrokerReply> {
  const parsed = parseBrokerRequest(data);
  if (!parsed.ok) return { ok: false, error: { code: 'bad_request', message: parsed.message } };
  const request = parsed.request;
  try {
    switch (request.type) {
      case 'login':
        return { ok: true, session: await broker.login(request.username, request.password, request.remember ?? true) };
      case 'logout':
        return { ok: true, session: await broker.logout() };
      case 'session':
        return { ok: true, session: await broker.session() };
    }
  } catch (error) {
    return { ok: false, error: toBrokerError(error).toBody() };
  }
}

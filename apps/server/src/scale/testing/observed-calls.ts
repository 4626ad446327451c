/**
 * @module scale/testing/observed-calls
 * What the callers of a multi-instance test saw, per user: the messages of every turn, each
 * session's replies and final cost. The test later demands exactly this in PostgreSQL.
 */
import { codedSpeech, silence } from '@atlas/fakes';
import { sendPaced } from '../../voice/testing/call-server.js';
import type { VoiceTestClient } from '../../voice/testing/voice-test-client.js';
import { SCALE_VOCABULARY } from './scale-cluster.js';

export interface ObservedSession {
  replies: number;
  /** `session_ended.costUsd`; undefined while live or when the instance died under it. */
  endedCostUsd?: number;
  /** `session_ended.reason`, as `voice_sessions.end_reason` must say. */
  endReason?: string;
}

export interface ObservedUser {
  messages: Array<{ role: 'user' | 'assistant'; content: string }>;
  sessions: Map<string, ObservedSession>;
}

const TURN_TIMEOUT_MS = 15_000;

export class ObservedCalls {
  readonly users = new Map<string, ObservedUser>();

  #user(userId: string): ObservedUser {
    let user = this.users.get(userId);
    if (user === undefined) {
      user = { messages: [], sessions: new Map() };
      this.users.set(userId, user);
    }
    return user;
  }

  started(userId: string, sessionId: string): void {
    const sessions = this.#user(userId).sessions;
    if (!sessions.has(sessionId)) sessions.set(sessionId, { replies: 0 });
  }

  /** Says `words` as coded audio in real time and waits for the whole turn. */
  async speak(userId: string, sessionId: string, client: VoiceTestClient, words: string[]) {
    const turn = client.of('turn_metrics').length + 1;
    await sendPaced(client, [
      ...codedSpeech(words, SCALE_VOCABULARY, { framesPerWord: 2 }),
      ...silence(8),
    ]);
    const heard = await client.waitForType('final_transcript', turn, TURN_TIMEOUT_MS);
    await this.#reply(userId, sessionId, client, turn, heard.text);
  }

  /** Types `text` and waits for the whole turn. */
  async type(userId: string, sessionId: string, client: VoiceTestClient, text: string) {
    const turn = client.of('turn_metrics').length + 1;
    client.send({ type: 'text', text });
    await this.#reply(userId, sessionId, client, turn, text);
  }

  async end(userId: string, sessionId: string, client: VoiceTestClient): Promise<number> {
    client.send({ type: 'session_end' });
    return this.ended(userId, sessionId, client);
  }

  /** Waits for the server to end the session (e.g. on shutdown) and the close code. */
  async ended(userId: string, sessionId: string, client: VoiceTestClient): Promise<number> {
    const ended = await client.waitForType('session_ended', 1, TURN_TIMEOUT_MS);
    const session = this.#user(userId).sessions.get(sessionId);
    if (session) {
      session.endedCostUsd = ended.costUsd;
      session.endReason = ended.reason;
    }
    return (await client.waitForClose()).code;
  }

  async #reply(
    userId: string,
    sessionId: string,
    client: VoiceTestClient,
    turn: number,
    userText: string,
  ): Promise<void> {
    const end = await client.waitForType('response_end', turn, TURN_TIMEOUT_MS);
    await client.waitForType('turn_metrics', turn, TURN_TIMEOUT_MS);
    const user = this.#user(userId);
    user.messages.push(
      { role: 'user', content: userText },
      { role: 'assistant', content: end.text },
    );
    const session = user.sessions.get(sessionId);
    if (session) session.replies++;
  }
}

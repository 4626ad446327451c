/**
 * @module voice/call/voice-service
 * One voice call, start to end: opens the call's AudioContext (inside the click, so browsers
 * let it play), the microphone and the playback queue, then talks over V2 when it is enabled
 * and its socket opens, and over the V1 batch routes otherwise. Whatever way the call ends
 * (the user, the server, a failure, the page unmounting) every resource is released once:
 * mic tracks stopped, audio nodes disconnected, the AudioContext closed, the socket closed,
 * timers cleared.
 */
import type { ClientConfig } from '@atlas/protocol';
import type { ApiClient } from '../../api/api-client.js';
import type { Logger } from '../../app/logger.js';
import { captureConstraints } from '../audio/capture-constraints.js';
import { type CaptureEnvironment, MicCapture } from '../audio/mic-capture.js';
import { PlaybackQueue } from '../audio/playback-queue.js';
import type { Timers } from '../connection/timers.js';
import type { VoiceSocket } from '../connection/voice-connection.js';
import { voiceSocketUrl } from '../connection/voice-url.js';
import type { CallSession, Dispatch } from './call-session.js';
import { V1Call } from './v1-call.js';
import { V2Call } from './v2-call.js';

export interface VoiceServiceDeps {
  config: ClientConfig;
  api: ApiClient;
  getAccessToken: () => Promise<string | undefined>;
  baseUrl: string;
  logger: Logger;
  dispatch: Dispatch;
  /** Page location: the socket's host and the `?agc=0` test switch. */
  location: { protocol: string; host: string; search: string };
  /** Browser APIs, replaceable in tests. */
  createAudioContext?: () => AudioContext;
  captureEnvironment?: CaptureEnvironment;
  createSocket?: (url: string) => VoiceSocket;
  timers?: Timers;
}

export interface VoiceCall {
  interrupt(): void;
  doneSpeaking(): void;
  /** Orderly end (V2 waits briefly for the server to save and close). */
  end(): void;
  /** Immediate teardown, for unmount. */
  dispose(): void;
}

/** Why the audio could not start, in words: permission and missing devices are the usual causes. */
export function describeAudioStartFailure(error: unknown): string {
  const name = error instanceof DOMException ? error.name : undefined;
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return 'The microphone is blocked. Allow microphone access for this site and start the call again.';
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') {
    return 'No microphone was found. Connect one and start the call again.';
  }
  if (name === 'NotReadableError') {
    return 'The microphone is in use by another application. Close it and start the call again.';
  }
  return 'Audio could not start in this browser. Reload the page and try again.';
}

export function startVoiceCall(deps: VoiceServiceDeps): VoiceCall {
  const log = deps.logger.child('voice');
  // Created inside the click handler: autoplay policies only let a context started by a user
  // gesture make sound.
  const context = (
    deps.createAudioContext ?? (() => new AudioContext({ latencyHint: 'interactive' }))
  )();
  let released = false;
  let session: CallSession | undefined;

  const playback = new PlaybackQueue(context, {
    onStats: (stats) => deps.dispatch({ type: 'playback', stats }),
  });
  const mic = new MicCapture({
    context,
    constraints: captureConstraints(deps.location.search),
    onFrame: (frame) => {
      deps.dispatch({ type: 'level', level: frame.level });
      session?.onFrame(frame);
    },
    ...(deps.captureEnvironment ? { environment: deps.captureEnvironment } : {}),
  });

  const release = () => {
    if (released) return;
    released = true;
    mic.stop();
    playback.flush();
    void context.close().catch(() => {});
  };

  // However the call ends, on whichever path, the audio is released.
  const dispatch: Dispatch = (action) => {
    deps.dispatch(action);
    if (action.type === 'status' && (action.status === 'ended' || action.status === 'failed'))
      release();
  };

  const startV1 = () => {
    if (released) return;
    const v1 = new V1Call({ api: deps.api, logger: log, dispatch, playback });
    session = v1;
    v1.start();
  };

  const startV2 = () => {
    const v2 = new V2Call({
      url: voiceSocketUrl(deps.baseUrl, deps.location),
      getToken: deps.getAccessToken,
      logger: log,
      dispatch,
      playback,
      onUnreachable: () => {
        log.warn('the real-time voice gateway is unreachable; using V1 voice');
        startV1();
      },
      ...(deps.createSocket ? { createSocket: deps.createSocket } : {}),
      ...(deps.timers ? { timers: deps.timers } : {}),
    });
    session = v2;
    v2.start();
  };

  dispatch({ type: 'start' });
  void context.resume().catch(() => {});
  mic.start().then(
    () => {
      if (released) return;
      try {
        if (deps.config.voiceV2Enabled) startV2();
        else startV1();
      } catch (error) {
        log.error('the call could not start', { error: String(error) });
        dispatch({
          type: 'status',
          status: 'failed',
          message: 'The call could not start. Reload the page and try again.',
        });
      }
    },
    (error: unknown) => {
      log.warn('audio capture could not start', { error: String(error) });
      dispatch({ type: 'status', status: 'failed', message: describeAudioStartFailure(error) });
    },
  );

  return {
    interrupt: () => session?.interrupt(),
    doneSpeaking: () => session?.doneSpeaking(),
    end: () => {
      if (released) return;
      if (session instanceof V2Call) {
        // The connection reports `ended` once the server has closed (or after a short wait).
        session.end();
        return;
      }
      session?.end();
      dispatch({ type: 'status', status: 'ended' });
    },
    dispose: () => {
      session?.dispose();
      release();
    },
  };
}

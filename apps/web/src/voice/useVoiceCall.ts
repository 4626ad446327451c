/**
 * @module voice/useVoiceCall
 * The call view's state and controls: `start()` opens a call through the voice service,
 * `end()`, `interrupt()` and `doneSpeaking()` drive it, and unmounting the view mid-call tears
 * everything down at once.
 */
import { useCallback, useEffect, useReducer, useRef } from 'react';
import { useServices } from '../app/services.js';
import { callReducer, initialCallState } from './call/call-state.js';
import { startVoiceCall, type VoiceCall, type VoiceServiceDeps } from './call/voice-service.js';

/** Browser APIs the call uses, replaceable in tests and stories. */
export type VoiceEnvironment = Pick<
  VoiceServiceDeps,
  'createAudioContext' | 'captureEnvironment' | 'createSocket' | 'timers'
>;

export function useVoiceCall(environment: VoiceEnvironment = {}) {
  const { config, api, getAccessToken, baseUrl, logger } = useServices();
  const [state, dispatch] = useReducer(callReducer, initialCallState);
  const call = useRef<VoiceCall | undefined>(undefined);
  const environmentRef = useRef(environment);
  environmentRef.current = environment;

  useEffect(
    () => () => {
      call.current?.dispose();
      call.current = undefined;
    },
    [],
  );

  const start = useCallback(() => {
    call.current?.dispose();
    call.current = startVoiceCall({
      config,
      api,
      getAccessToken,
      baseUrl,
      logger,
      dispatch,
      location: window.location,
      ...environmentRef.current,
    });
  }, [config, api, getAccessToken, baseUrl, logger]);

  const end = useCallback(() => call.current?.end(), []);
  const interrupt = useCallback(() => call.current?.interrupt(), []);
  const doneSpeaking = useCallback(() => call.current?.doneSpeaking(), []);

  return { state, start, end, interrupt, doneSpeaking, v2Enabled: config.voiceV2Enabled };
}

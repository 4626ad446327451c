/**
 * @module voice/audio/capture-constraints
 * The microphone constraints of a call: echo cancellation, noise suppression and automatic gain
 * control on (a call's playback must not be heard back as the user). Browser tests play a known
 * file as the microphone and need its levels untouched, so `?agc=0` in the page URL turns gain
 * control and noise suppression off.
 */

export function captureConstraints(search: string): MediaTrackConstraints {
  const agcOff = new URLSearchParams(search).get('agc') === '0';
  return {
    channelCount: 1,
    echoCancellation: true,
    noiseSuppression: !agcOff,
    autoGainControl: !agcOff,
  };
}

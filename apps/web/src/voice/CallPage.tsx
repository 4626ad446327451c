/**
 * @module voice/CallPage
 * The voice call view (`/call`): start and end a call, see its state, the mic level, what was
 * heard, the reply as it streams, latency and cost; interrupt the reply. The test ids follow
 * the shared UI contract exactly.
 */
import './call.css';
import { CallControls, isActive } from './CallControls.js';
import { CallStats } from './CallStats.js';
import { CallTranscript } from './CallTranscript.js';
import { MicLevel } from './MicLevel.js';
import { useVoiceCall, type VoiceEnvironment } from './useVoiceCall.js';

/** The page as the app shell mounts it. */
export function CallPage() {
  return <CallView />;
}

/** The view with replaceable browser APIs (tests pass fakes). */
export function CallView(props: { environment?: VoiceEnvironment }) {
  const { state, start, end, interrupt, doneSpeaking, v2Enabled } = useVoiceCall(props.environment);
  const mode = state.mode ?? (v2Enabled ? 'v2' : 'v1');
  return (
    <main className="call-page">
      <header className="call-header">
        <h1>Voice call</h1>
        <CallControls
          status={state.status}
          mode={mode}
          replying={state.replying}
          onStart={start}
          onEnd={end}
          onInterrupt={interrupt}
          onDoneSpeaking={doneSpeaking}
        />
      </header>
      {state.error !== undefined && (
        <p className="call-error" data-testid="call-error" role="alert">
          {state.error}
        </p>
      )}
      <p className="call-notice">
        {state.notice ??
          (state.status === 'idle'
            ? 'Start a call and just talk: Atlas answers out loud. Speak over it to interrupt.'
            : '')}
      </p>
      <div className="call-meter-row">
        <span className="call-label">Microphone</span>
        <MicLevel level={state.level} active={isActive(state.status)} />
      </div>
      <CallTranscript
        partial={state.partial}
        finalTranscript={state.finalTranscript}
        reply={state.reply}
        replying={state.replying}
      />
      <CallStats
        latencyMs={state.latencyMs}
        costUsd={state.costUsd}
        budgetWarning={state.budgetWarning}
        playback={state.playback}
      />
    </main>
  );
}

/**
 * @module voice/CallTranscript
 * What was heard and what Atlas answers: the live partial transcript, the last final one, and
 * the reply as it streams.
 */

export interface CallTranscriptProps {
  partial: string;
  finalTranscript: string;
  reply: string;
  replying: boolean;
}

export function CallTranscript(props: CallTranscriptProps) {
  return (
    <section className="call-transcript" aria-label="Transcript">
      <div className="call-turn call-turn-user">
        <h2 className="call-label">You</h2>
        <p className="call-final" data-testid="final-transcript">
          {props.finalTranscript}
        </p>
        <p className="call-partial" data-testid="partial-transcript" aria-live="polite">
          {props.partial}
        </p>
      </div>
      <div className="call-turn call-turn-assistant">
        <h2 className="call-label">Atlas</h2>
        <p
          className="call-reply"
          data-testid="reply-text"
          data-streaming={props.replying ? 'true' : 'false'}
          aria-live="polite"
        >
          {props.reply}
        </p>
      </div>
    </section>
  );
}

/**
 * @module voice/MicLevel
 * The microphone meter. Speech RMS sits around 0.01–0.3, so the bar is drawn on a square-root
 * scale to move visibly; `data-level` keeps the raw 0..1 RMS.
 */

export function MicLevel(props: { level: number; active: boolean }) {
  const level = Math.max(0, Math.min(1, props.level));
  const shown = Math.min(1, Math.sqrt(level) * 1.6);
  return (
    // biome-ignore lint/a11y/useSemanticElements: a native <meter> cannot be styled alike across browsers
    <div
      className="call-meter"
      data-testid="mic-level"
      data-level={level.toFixed(3)}
      data-active={props.active ? 'true' : 'false'}
      role="meter"
      aria-label="Microphone level"
      aria-valuemin={0}
      aria-valuemax={1}
      aria-valuenow={Number(level.toFixed(3))}
    >
      <div className="call-meter-fill" style={{ transform: `scaleX(${shown})` }} />
    </div>
  );
}

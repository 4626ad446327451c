/**
 * @module auth/SignInPage
 * Email and password sign-in, with a toggle to create an account. Refusals are shown in words
 * (wrong password, weak password, account exists, too many attempts, offline) next to the form.
 */
import { type FormEvent, useId, useState } from 'react';
import { AuthFailure } from './auth-errors.js';
import type { AuthSession } from './auth-session.js';
import './auth.css';

type Mode = 'sign-in' | 'sign-up';

const MIN_PASSWORD = 8;

export function SignInPage({ auth }: { auth: AuthSession }) {
  const [mode, setMode] = useState<Mode>('sign-in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  /** Which field the error is about (null: the server refused the pair). */
  const [errorField, setErrorField] = useState<'email' | 'password' | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const signingUp = mode === 'sign-up';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = email.trim();
    const invalid = (field: 'email' | 'password', message: string) => {
      setErrorField(field);
      setError(message);
    };
    if (trimmed === '' || !trimmed.includes('@'))
      return invalid('email', 'Enter your email address.');
    if (password === '') return invalid('password', 'Enter your password.');
    if (signingUp && password.length < MIN_PASSWORD) {
      return invalid('password', `Choose a password of at least ${MIN_PASSWORD} characters.`);
    }
    setBusy(true);
    setError(null);
    setErrorField(null);
    try {
      const credentials = { email: trimmed, password };
      if (signingUp) await auth.signUp(credentials);
      else await auth.signIn(credentials);
    } catch (thrown) {
      setError(AuthFailure.from(thrown).message);
      setBusy(false);
    }
  };

  return (
    <main className="auth-page">
      <form className="auth-card" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
        <span className="brand brand--large" aria-hidden="true">
          <span className="brand__mark" />
          Atlas
        </span>
        <h1 id={`${id}-title`} className="auth-card__title">
          {signingUp ? 'Create your account' : 'Sign in to Atlas'}
        </h1>
        <p className="auth-card__lede">
          {signingUp
            ? 'Talk and chat with your assistant. It takes a few seconds.'
            : 'Welcome back. Your conversations are waiting.'}
        </p>
        <label className="field">
          <span className="field__label">Email</span>
          <input
            className="field__input"
            type="email"
            name="email"
            autoComplete="email"
            data-testid="auth-email"
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            aria-invalid={error !== null && errorField !== 'password'}
            aria-describedby={error === null ? undefined : `${id}-error`}
          />
        </label>
        <label className="field">
          <span className="field__label">Password</span>
          <input
            className="field__input"
            type="password"
            name="password"
            autoComplete={signingUp ? 'new-password' : 'current-password'}
            data-testid="auth-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            aria-invalid={error !== null && errorField !== 'email'}
            aria-describedby={`${id}-hint${error === null ? '' : ` ${id}-error`}`}
          />
          <span id={`${id}-hint`} className="field__hint">
            {signingUp ? `At least ${MIN_PASSWORD} characters.` : '\u00a0'}
          </span>
        </label>
        {error !== null && (
          <p id={`${id}-error`} className="form-error" role="alert" data-testid="auth-error">
            {error}
          </p>
        )}
        <button
          type="submit"
          className="button button--primary button--block"
          data-testid="auth-submit"
          disabled={busy}
        >
          {busy
            ? signingUp
              ? 'Creating account…'
              : 'Signing in…'
            : signingUp
              ? 'Create account'
              : 'Sign in'}
        </button>
        <p className="auth-card__switch">
          {signingUp ? 'Already have an account?' : 'New to Atlas?'}{' '}
          <button
            type="button"
            className="link-button"
            data-testid="auth-mode-toggle"
            onClick={() => {
              setMode(signingUp ? 'sign-in' : 'sign-up');
              setError(null);
            }}
          >
            {signingUp ? 'Sign in' : 'Create account'}
          </button>
        </p>
      </form>
    </main>
  );
}

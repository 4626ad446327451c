/**
 * @module app/services
 * What every feature needs from the app, handed down through one React context: the served
 * configuration, the API client, a fresh access token and the logger. Features take what they
 * need with {@link useServices}; tests render them inside {@link ServicesProvider} with fakes.
 */
import type { ClientConfig } from '@atlas/protocol';
import { createContext, type ReactNode, useContext } from 'react';
import type { ApiClient } from '../api/api-client.js';
import type { Logger } from './logger.js';

export interface AppServices {
  config: ClientConfig;
  api: ApiClient;
  /** A fresh access token for the signed-in user (refreshed when close to expiry). */
  getAccessToken: () => Promise<string | undefined>;
  /** The signed-in user's id (scopes local storage such as the IndexedDB database). */
  userId: string;
  logger: Logger;
  /** Origin for API and WebSocket URLs; '' means the page's own origin. */
  baseUrl: string;
}

const ServicesContext = createContext<AppServices | null>(null);

export function ServicesProvider(props: { services: AppServices; children: ReactNode }) {
  return (
    <ServicesContext.Provider value={props.services}>{props.children}</ServicesContext.Provider>
  );
}

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (services === null) throw new Error('useServices() needs a <ServicesProvider> above it');
  return services;
}

export * from './chat.js';
export * from './errors.js';
export * from './limits.js';
export * from './prices.js';
export * from './rest.js';
export * from './tiers.js';
export * from './usage.js';
export * from './voice.js';

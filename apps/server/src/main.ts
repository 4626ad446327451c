/**
 * @module main
 * Process entry point: config, logger, start, signals. Start-up failures print one clear line
 * (no stack trace) and exit with status 1; SIGTERM/SIGINT shut down gracefully.
 */
import { ConfigError, loadConfig } from './config.js';
import { isAtlasError } from './errors.js';
import { missingNodeFlags } from './node-flags.js';
import { createLogger } from './observability/logger.js';
import { type RunningServer, startServer } from './server.js';

const SHUTDOWN_GRACE_MS = 10_000;

function fail(message: string): never {
  process.stderr.write(`\nAtlas could not start: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  const logger = createLogger({ level: config.logLevel });
  const missingFlags = missingNodeFlags(process.execArgv);
  if (missingFlags.length > 0) {
    logger.warn(
      { missing: missingFlags },
      "node was started without Atlas's V8 options (npm start and the Docker image pass them): under load it may spend its spare CPU in full garbage collections",
    );
  }

  let server: RunningServer;
  try {
    server = await startServer(config, logger);
  } catch (error) {
    if (isAtlasError(error)) {
      logger.fatal({ code: error.code }, error.message);
      fail(error.message);
    }
    logger.fatal({ err: error }, 'unexpected start-up failure');
    fail(error instanceof Error ? error.message : String(error));
  }

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long: exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server
      .close()
      .then(() => {
        logger.info('shutdown complete');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

void main();

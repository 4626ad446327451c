/**
 * @module cli/db
 * Entry point of `npm run db -- <command>`; the commands live in db-cli.ts.
 */
import { processIo } from './cli-io.js';
import { runDbCli } from './db-cli.js';

process.exitCode = await runDbCli(process.argv.slice(2), { io: processIo });

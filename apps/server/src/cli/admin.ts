/**
 * @module cli/admin
 * Entry point of `npm run admin -- <command>`; the commands live in admin-cli.ts.
 */

import { runAdminCli } from './admin-cli.js';
import { processIo } from './cli-io.js';

process.exitCode = await runAdminCli(process.argv.slice(2), { io: processIo });

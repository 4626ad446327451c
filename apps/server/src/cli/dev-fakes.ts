/**
 * @module cli/dev-fakes
 * Entry point of `npm run dev:fakes` (see dev-fakes-cli.ts).
 */
import { processIo, runCommand } from './cli-io.js';
import {
  DEV_FAKES_USAGE,
  describeDevFakes,
  parseDevFakesArgs,
  startDevFakes,
} from './dev-fakes-cli.js';

await runCommand(processIo, DEV_FAKES_USAGE, async () => {
  const options = parseDevFakesArgs(process.argv.slice(2));
  const fakes = await startDevFakes(options);
  describeDevFakes(fakes, options.profile, processIo);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await fakes.close();
});

/**
 * `npm test`'s `pretest`: the prerequisites checked before vitest starts, so that a newcomer's
 * first `npm test` ends in a second with what to install, and nothing else on the screen.
 * (vitest's globalSetup checks again, for `npx vitest` run directly.)
 */
import { missingPrerequisites, prerequisitesMessage } from './prerequisites.ts';

const missing = await missingPrerequisites();
if (missing.length > 0) {
  console.error(prerequisitesMessage(missing));
  process.exit(1);
}

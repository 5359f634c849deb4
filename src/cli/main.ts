/**
 * The `vigie` command. `vigie start` (also `npm start`) runs both flows on simulated sources.
 */
import { vigieProgram } from './program.ts';

await vigieProgram().parseAsync(process.argv);

/** `npm run bench`: vigie's speed and memory targets, measured here rather than in timed tests. */
import { millionAccounts } from './millionAccounts.ts';

const results = await millionAccounts();
console.log('keyed state with TTL, one million distinct accounts');
for (const [name, value] of Object.entries(results)) console.log(`  ${name}: ${value}`);
const bounded = results['largest location state (accounts)']! <= results['accounts active within 1 h of event time']! * 1.01;
console.log(bounded ? 'state bounded by the TTL: yes' : 'state bounded by the TTL: NO');
process.exitCode = bounded ? 0 : 1;

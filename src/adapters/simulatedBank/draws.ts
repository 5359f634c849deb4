/**
 * The simulated bank's random draws, on src/random.ts's seeded generator: each day and each
 * purpose (the day's transactions, its fraud draws) gets its own generator, seeded from the run's
 * seed, so a day is the same whatever was drawn before it and a change to one scenario leaves the
 * others' draws alone.
 */
import { type Random, seededRandom } from '../../random.ts';

/** murmur3's finaliser: every bit of the input moves about half the output's bits. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The seed of one stream of draws: the run's seed, then the stream's numbers (purpose, day, …). */
export function streamSeed(seed: number, ...stream: readonly number[]): number {
  let h = mix32((seed >>> 0) ^ 0x9e3779b9) ^ mix32(Math.floor(seed / 2 ** 32) >>> 0);
  for (const n of stream) h = mix32((h ^ mix32(n >>> 0)) + 0x632be5ab);
  return h >>> 0;
}

/** A generator for one stream of draws. */
export function streamRandom(seed: number, ...stream: readonly number[]): Random {
  return seededRandom(streamSeed(seed, ...stream));
}

/** A Poisson draw of mean `mean` (Knuth's product of uniforms: the means here are a few units). */
export function poisson(random: Random, mean: number): number {
  if (!(mean > 0)) return 0;
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * random.normal()));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random.next();
  while (p > limit) {
    k++;
    p *= random.next();
  }
  return k;
}

/** `count` distinct integers of [0, n), in the order drawn (Floyd's algorithm: no array of n). */
export function distinct(random: Random, n: number, count: number): number[] {
  const chosen = new Set<number>();
  const order: number[] = [];
  for (let j = n - Math.min(count, n); j < n; j++) {
    const t = random.int(0, j);
    const pick = chosen.has(t) ? j : t;
    chosen.add(pick);
    order.push(pick);
  }
  return order;
}

/** For each customer in order, its Poisson count of transactions for a day, at its mean `rate`. */
export function forEachCustomerCount(random: Random, rate: ArrayLike<number>, visit: (customer: number, count: number) => void): void {
  for (let c = 0; c < rate.length; c++) {
    const n = poisson(random, rate[c]!);
    if (n > 0) visit(c, n);
  }
}

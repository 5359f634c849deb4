/**
 * Cameroonian cities for the `cameroon` profile: coordinates of their centres (degrees) and
 * inhabitants, rounded (recent estimates of each urban area; they only weigh where customers live
 * and where terminals are, so a rounded figure is enough).
 */
import type { City } from './simulation.ts';

export const CAMEROON_CITIES: readonly City[] = [
  { name: 'Yaoundé', lat: 3.848, lon: 11.5021, population: 4_300_000 },
  { name: 'Douala', lat: 4.0511, lon: 9.7679, population: 3_900_000 },
  { name: 'Garoua', lat: 9.3017, lon: 13.3921, population: 600_000 },
  { name: 'Bamenda', lat: 5.9631, lon: 10.1591, population: 500_000 },
  { name: 'Bafoussam', lat: 5.4781, lon: 10.4176, population: 400_000 },
  { name: 'Maroua', lat: 10.591, lon: 14.3159, population: 400_000 },
  { name: 'Kumba', lat: 4.6363, lon: 9.4469, population: 400_000 },
  { name: 'Ngaoundéré', lat: 7.3277, lon: 13.5847, population: 350_000 },
  { name: 'Bertoua', lat: 4.5774, lon: 13.6846, population: 250_000 },
  { name: 'Buea', lat: 4.1527, lon: 9.241, population: 200_000 },
  { name: 'Limbé', lat: 4.0186, lon: 9.2043, population: 130_000 },
  { name: 'Nkongsamba', lat: 4.9547, lon: 9.9404, population: 120_000 },
  { name: 'Edéa', lat: 3.8, lon: 10.1333, population: 120_000 },
  { name: 'Dschang', lat: 5.45, lon: 10.0667, population: 120_000 },
  { name: 'Kribi', lat: 2.9373, lon: 9.9077, population: 100_000 },
  { name: 'Ebolowa', lat: 2.9, lon: 11.15, population: 100_000 },
  { name: 'Foumban', lat: 5.7167, lon: 10.9, population: 100_000 },
  { name: 'Sangmélima', lat: 2.9333, lon: 11.9833, population: 80_000 },
];

/** Great-circle distance in km (haversine). */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/** Draws an index with probability proportional to its weight (cumulative weights, binary search). */
export function weightedPicker(weights: readonly number[]): (u: number) => number {
  const cumulative: number[] = [];
  let total = 0;
  for (const w of weights) cumulative.push((total += w));
  return (u) => {
    const target = u * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

/** The producers `npm run bench -- alerts` compares (bench/alerts/send.ts runs one). */
export const DESIGNS = ['json', 'kafkajs-thread', 'kafkajs-linear', 'platformatic'] as const;
export type Design = (typeof DESIGNS)[number];

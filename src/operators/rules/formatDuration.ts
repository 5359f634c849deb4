export { formatDuration } from '../../rules/measures.ts';

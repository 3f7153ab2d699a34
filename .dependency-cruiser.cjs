/**
 * keywarden's module boundaries, checked by dependency-cruiser (https://github.com/sverweij/dependency-cruiser,
 * rule reference: doc/rules-reference.md there). test/architecture/boundaries.test.ts runs it on src/ and fails on
 * any violation; by hand: `npx depcruise src --config .dependency-cruiser.cjs`.
 *
 * Paths are regular expressions on paths relative to where depcruise runs (the repository root), so the same rules
 * apply to the fixture tree in test/architecture/fixtures (laid out as src/, test/) when it is cruised from there.
 * `$1` in a `to` pattern is the first group the `from` pattern matched (dependency-cruiser "group matching").
 */

/** The feature folders: each owns its domain, store, flows, renderers and listeners. */
const FEATURES = '(approvals|keys|limits|spend)';

/**
 * npm packages that do I/O or hold a client: Redis, queues, Slack, OpenAI, logging, HTTP, scheduling, metrics,
 * sockets, a browser. A path ends in node_modules/<name> once resolved, or is the bare name if it could not be.
 */
const IO_PACKAGES = '(^|/node_modules/)(ioredis|bullmq|@slack/[^/]+|openai|pino|express|@bull-board/[^/]+|node-cron|prom-client|ws|playwright-core)(/|$)';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'No import cycles in src: a cycle makes module load order matter (an import can be undefined while its module ' +
        'is still loading) and means the two modules cannot be understood, tested or moved apart. Type-only imports ' +
        'count too (tsPreCompilationDeps): a type cycle is the same tangle, only not yet a runtime one.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'domain-imports-only-domain',
      severity: 'error',
      comment:
        'A domain/ folder (src/<feature>/domain, src/platform/domain, src/commands/domain) is pure: it may import other ' +
        'domain/ modules and pure npm packages (zod), never a store, a flow, a renderer, a client or the log, which ' +
        'all live outside domain/.',
      from: { path: '^src/[^/]+/domain/' },
      to: { path: '^src/', pathNot: '^src/[^/]+/domain/' },
    },
    {
      name: 'domain-no-node-builtins',
      severity: 'error',
      comment:
        'A domain/ module imports no Node builtin. Most do I/O (fs, net, http, child_process, dns, worker_threads, ...). ' +
        'node:crypto is refused too: randomBytes/randomUUID read entropy, an input like a clock read, so ids and ' +
        'nonces are made by the caller and passed in; a hash (createHash) is computed where the data comes from. The ' +
        'pure ones (util, assert) are not needed in domain code, so no exception list to keep honest.',
      from: { path: '^src/[^/]+/domain/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'domain-no-io-packages',
      severity: 'error',
      comment:
        'A domain/ module imports no npm package that does I/O or holds a client (ioredis, bullmq, @slack/*, openai, ' +
        'pino, express, ...). Those reach the domain only as plain values passed in by the store or flow that calls it.',
      from: { path: '^src/[^/]+/domain/' },
      to: { path: IO_PACKAGES },
    },
    {
      name: 'platform-not-to-features',
      severity: 'error',
      comment:
        'src/platform is the floor every feature stands on (config, log, Redis, queues, Slack, OpenAI, HTTP, ops); if ' +
        'it imported a feature (or the commands grammar or a listener), the floor would depend on what stands on it ' +
        'and features could no longer be changed or removed on their own.',
      from: { path: '^src/platform/' },
      to: { path: ['^src/' + FEATURES + '/', '^src/(commands|listeners)/'] },
    },
    {
      name: 'features-not-to-commands',
      severity: 'error',
      comment:
        'src/commands is the /openai-key router: it parses the text and calls the feature that owns each subcommand. ' +
        'A feature importing it would point the arrow back up (each feature owns its subcommands\' grammar in its domain).',
      from: { path: '^src/' + FEATURES + '/' },
      to: { path: '^src/commands/' },
    },
    {
      name: 'approvals-knows-no-kind',
      severity: 'error',
      comment:
        'The approvals engine decides any kind of request; the kinds (key requests, limit changes) register with it ' +
        'from their own features (keys/requestKind.ts, limits/requestKind.ts). Code of the engine importing a feature\'s ' +
        'flows, stores, renderers or even its domain types would make it one kind\'s engine again: nothing of ' +
        'src/approvals imports another feature. The engine\'s store holds only what every kind shares (a key ' +
        'request\'s indexes are keys/keyRequestStore.ts), and each kind\'s events are declared in its own domain ' +
        '(keys/domain/threadEvents.ts, limits/domain/limitChangeEvents.ts) from the shapes approvals shares.',
      from: { path: '^src/approvals/' },
      to: { path: '^src/(keys|limits|spend)/' },
    },
    {
      name: 'feature-through-public-api',
      severity: 'error',
      comment:
        'A feature imports another feature only through its index.ts (its public API) or its domain/ (pure types and ' +
        'functions): never its store, flows or renderers directly (e.g. src/limits/limitStore.ts from src/keys/...), so ' +
        'each feature can change its insides without breaking the others.',
      from: { path: `^src/${FEATURES}/` },
      to: { path: `^src/${FEATURES}/`, pathNot: ['^src/$1/', `^src/${FEATURES}/index\\.ts$`, `^src/${FEATURES}/domain/`] },
    },
    {
      name: 'src-not-to-test-or-bench',
      severity: 'error',
      comment: 'Shipped code never imports tests or benchmarks: they are not built into the image and may change freely.',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'emulators-only-for-sandbox-and-tests',
      severity: 'error',
      comment:
        'The Slack and OpenAI emulators stand in for the real services in the sandbox, tests and benches; production ' +
        'code importing one could end up talking to a fake (main.ts builds the real clients).',
      from: { pathNot: '^(src/emulators|src/sandbox|test|bench)/' },
      to: { path: '^src/emulators/' },
    },
    {
      name: 'sandbox-only-for-tests',
      severity: 'error',
      comment: 'The sandbox is a demo around the app (emulators, a fake clock, a web page); the app itself never depends on it.',
      from: { pathNot: '^(src/sandbox|test|bench)/' },
      to: { path: '^src/sandbox/' },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment:
        'A module in src that imports nothing and is imported by nothing is dead code (or a file that lost its last ' +
        'user in a move). Declaration files and the sandbox page (browser files served as they are) are exempt.',
      from: { path: '^src/', orphan: true, pathNot: ['\\.d\\.ts$', '^src/sandbox/page/'] },
      to: {},
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'Every import resolves to a file or an installed package. Besides catching a broken import, this keeps the ' +
        'other rules honest: an import the cruiser cannot resolve would slip past every path rule above.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Cruise what the code imports, not the packages' own insides.
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies of the design too (see no-circular).
    tsPreCompilationDeps: true,
    // Resolve the way Node does for this ESM package ("type": "module"; imports name ./x.js for ./x.ts).
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
      mainFields: ['module', 'main', 'types'],
    },
    skipAnalysisNotInRules: true,
  },
};

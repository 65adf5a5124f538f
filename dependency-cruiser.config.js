// `npm run check:layers`: the import rules of BRIEF.md's layer table, checked on every test run.
// Each layer lists what it must NOT import; the allowed direction is downward only.
const ours = '^(src|relay|keeper)/'

/**
 * A rule forbidding `from` to import anything of ours outside `allowed` (and itself).
 * @param {string} name
 * @param {string} from
 * @param {string[]} allowed
 * @param {string} comment
 * @returns {import('dependency-cruiser').IForbiddenRuleType}
 */
function layer(name, from, allowed, comment) {
  return {
    name,
    comment,
    severity: /** @type {const} */ ('error'),
    from: { path: from },
    to: { path: ours, pathNot: [from, ...allowed] },
  }
}

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-cycles',
      comment:
        'An import cycle ties two modules into one: break it by moving the shared part down.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'ui-only-state',
      comment: 'src/ui talks to src/state only (types of src/core are fine).',
      severity: 'error',
      from: { path: '^src/ui/' },
      to: { path: ours, pathNot: ['^src/ui/', '^src/state/', '^src/core/'] },
    },
    {
      name: 'ui-core-types-only',
      comment: 'src/ui may name the types of src/core, not run its code.',
      severity: 'error',
      from: { path: '^src/ui/' },
      to: { path: '^src/core/', dependencyTypesNot: ['type-only'] },
    },
    layer(
      'state-below',
      '^src/state/',
      ['^src/engine/', '^src/net/', '^src/storage/', '^src/core/'],
      'src/state holds facades over engine, net, storage and core.',
    ),
    layer(
      'engine-below',
      '^src/engine/',
      ['^src/net/', '^src/storage/', '^src/core/', '^src/workers/'],
      'src/engine orchestrates net, storage, core and workers; it never reaches up to state or ui.',
    ),
    layer(
      'net-below',
      '^src/net/',
      ['^src/storage/', '^src/core/'],
      'src/net uses storage and core.',
    ),
    {
      name: 'net-exchange-below',
      comment:
        'src/net/exchange is the wire both exchange protocols share: it knows neither of them.',
      severity: 'error',
      from: { path: '^src/net/exchange/' },
      to: { path: '^src/net/(store|fetch)/' },
    },
    {
      name: 'net-fetch-not-store',
      comment: 'The fetch protocol stands alone; the store side may use it, never the reverse.',
      severity: 'error',
      from: { path: '^src/net/fetch/' },
      to: { path: '^src/net/store/' },
    },
    layer('storage-below', '^src/storage/', ['^src/core/'], 'src/storage uses core only.'),
    layer('workers-below', '^src/workers/', ['^src/core/'], 'src/workers run core code only.'),
    layer('core-alone', '^src/core/', [], 'src/core is pure and imports nothing of ours.'),
    layer('relay-alone', '^relay/', ['^src/core/'], 'The relay uses its own code and src/core.'),
    layer(
      'keeper-below',
      '^keeper/',
      ['^src/engine/', '^src/net/', '^src/storage/', '^src/core/', '^src/workers/'],
      'The keeper runs the engine and what lies below it.',
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/core/erasure/wasm/assembly/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.svelte', '.json'],
    },
  },
}

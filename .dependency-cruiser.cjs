/**
 * The layering of src/, checked by `npm run lint` (README "Architecture"). Each layer may import
 * only the layers below it:
 *   core            ← nothing but core (errors, durable files, csv, lock, retry, log, redact)
 *   domain          ← core/errors.ts and core/csv.ts only; pure: no node:* module, no I/O
 *   config          ← core, domain, ports (the seams a plug-in implements)
 *   ports.ts        ← core, domain
 *   adapters        ← core, domain, config, ports
 *   sim             ← core, domain, config, ports, adapters (the emulators reuse the paper engine)
 *   engine          ← core, domain, config, ports, adapters
 *   apps            ← everything above (cli, http, compete, lineage, deploy)
 *   testing         ← test helpers: imported by tests only, never by production code
 * and no import cycles anywhere, type-only imports included. Tests (*.test.ts) may import across
 * layers (a domain test may read a CSV fixture through an adapter); production code may not.
 */
const layer = (name, allowed) => ({
  name: `layer-${name}`,
  comment: `${name} may import only: ${allowed.join(', ') || 'itself'}`,
  severity: 'error',
  from: { path: `^src/${name}(/|\\.ts$)`, pathNot: '\\.test\\.ts$' },
  to: {
    path: '^src/',
    pathNot: [`^src/${name}(/|\\.ts$)`, ...allowed.map((a) => `^src/${a}(/|\\.ts$)`)],
  },
});

// eslint-disable-next-line no-undef -- dependency-cruiser reads CommonJS
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'import cycles hide the layering; break them with a shared contract module',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      comment: 'the domain does no I/O: no node:* modules',
      severity: 'error',
      from: { path: '^src/domain/', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'layer-domain',
      comment: 'domain may import only domain and the pure core modules (errors, csv)',
      severity: 'error',
      from: { path: '^src/domain/', pathNot: '\\.test\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/domain/', '^src/core/(errors|csv)\\.ts$'] },
    },
    layer('core', []),
    layer('config', ['core', 'domain', 'ports']),
    layer('ports', ['core', 'domain']),
    layer('adapters', ['core', 'domain', 'config', 'ports']),
    layer('sim', ['core', 'domain', 'config', 'ports', 'adapters']),
    layer('engine', ['core', 'domain', 'config', 'ports', 'adapters']),
    {
      name: 'testing-only-from-tests',
      comment: 'test helpers (src/testing) are for tests; production code never imports them',
      severity: 'error',
      from: { path: '^src/', pathNot: ['\\.test\\.ts$', '^src/testing/'] },
      to: { path: '^src/testing/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^|/)node_modules/' },
  },
};

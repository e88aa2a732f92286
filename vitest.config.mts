import { defineConfig, type Plugin } from 'vitest/config';

/**
 * The package loads rarely used modules on first use with `require('./x')` (src/on-demand.ts,
 * src/builtin-policies.ts). The tests run src/ through Vite, which loads modules
 * asynchronously and cannot serve such a call (Node's require cannot read TypeScript), so
 * here each of them becomes a static import of the same module: one instance of every
 * module, loaded at once, as the package was before. lib/ keeps the lazy loads, and the tests
 * that run lib/ in children (test/on-demand.test.ts) check them.
 */
function onDemandAsImports(): Plugin {
  const onDemand = /\brequire\((['"])(\.{1,2}\/[^'"]+)\1\)/g;
  return {
    name: 'seccomp-node-on-demand-as-imports',
    enforce: 'pre',
    transform(code, id) {
      if (!/\/src\/.*\.m?ts$/.test(id)) return undefined;
      const imports: string[] = [];
      const out = code.replace(onDemand, (whole: string, _quote: string, specifier: string) => {
        if (specifier.endsWith('.json')) return whole;
        const name = `__onDemand${imports.length}`;
        imports.push(`import * as ${name} from '${specifier}';`);
        return name;
      });
      // Appended, so that line numbers in stack traces stay those of the source.
      return imports.length ? { code: `${out}\n${imports.join('\n')}\n`, map: null } : undefined;
    },
  };
}

export default defineConfig({
  plugins: [onDemandAsImports()],
  test: {
    include: ['test/**/*.test.ts'],
    // Compile src/ into lib/ first: the children that load filters run the compiled package.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    // Children do the heavy lifting; two cores.
    maxWorkers: 2,
  },
});

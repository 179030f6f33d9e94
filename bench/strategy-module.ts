import { join, resolve } from 'node:path';
import { compileLib } from './compile-lib';

type StrategyModule = typeof import('../lib/index');
/** The routes the strategy is measured against (bench/routes), compiled the same way. */
export type BaselineRoutes = typeof import('./routes/index');

export interface LoadedStrategy {
  module: StrategyModule;
  /** Where the sources came from. */
  from: string;
}

export interface StrategiesUnderTest {
  main: LoadedStrategy;
  /** A patched copy measured in the same run, on its own route. */
  candidate?: LoadedStrategy;
  baselines: BaselineRoutes;
  /** Deletes the compiled copies. */
  remove(): void;
}

/**
 * The strategy under test, compiled as users get it: `lib/` of this repository, or the copy named
 * by `BENCH_LIB`; and, when `BENCH_CANDIDATE_LIB` names another copy, that one too, so that a
 * patch is measured against the current code under the same noise, without touching `lib/`.
 * A copy is a directory holding `index.ts` and its siblings, as `lib/` does.
 */
export function loadStrategiesUnderTest(env: NodeJS.ProcessEnv): StrategiesUnderTest {
  const removers: (() => void)[] = [];
  const load = (sourceDir: string): LoadedStrategy => {
    const compiled = compileLib(sourceDir);
    removers.push(compiled.remove);
    return { module: require(compiled.entry) as StrategyModule, from: sourceDir };
  };
  const remove = () => {
    for (const removeOne of removers) removeOne();
  };
  try {
    const main = load(resolve(env.BENCH_LIB ?? join(__dirname, '..', 'lib')));
    const candidate = env.BENCH_CANDIDATE_LIB ? load(resolve(env.BENCH_CANDIDATE_LIB)) : undefined;
    const routes = compileLib(join(__dirname, 'routes'), 'bench-baseline-routes');
    removers.push(routes.remove);
    const baselines = require(routes.entry) as BaselineRoutes;
    return candidate ? { main, candidate, baselines, remove } : { main, baselines, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

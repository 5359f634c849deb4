// The benchmarks' Python virtualenvs are made as `vigie train`'s is (src/cli/virtualenv.ts).
import { ensureVirtualenv as ensure } from '../src/cli/virtualenv.ts';

/** The virtualenv's python, once `requirements` are all installed in `venv` (see src/cli/virtualenv.ts). */
export function ensureVirtualenv(venv: string, requirements: string): Promise<string> {
  return ensure(venv, requirements, 'bench');
}

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Services meet over gRPC and NATS, never through imports: the lint rule must refuse a service
 * importing another one, and a library importing a service.
 */
const repoRoot = join(__dirname, '..', '..', '..');

/** Lints `code` as if it were `file`, in a process of its own (ESLint loads its config as ESM). */
async function boundaryErrors(code: string, file: string): Promise<string[]> {
  const eslint = join(repoRoot, 'node_modules', '.bin', 'eslint');
  const run = spawnSync(eslint, ['--stdin', '--stdin-filename', join(repoRoot, file), '--format', 'json'], { cwd: repoRoot, input: code, encoding: 'utf8' });
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string; message: string }[] }[];
  return result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries', () => {
  jest.setTimeout(30_000);

  it('refuse one service importing another by package name', async () => {
    const errors = await boundaryErrors("import { x } from '@flotilla/container-svc';\nexport const y = x;\n", 'packages/network-svc/src/probe.ts');
    expect(errors).not.toEqual([]);
  });

  it('refuse one service reaching into another by relative path', async () => {
    const errors = await boundaryErrors(
      "import { ContainerRegistry } from '../../container-svc/src/core/container-registry';\nexport const y = ContainerRegistry;\n",
      'packages/image-svc/src/probe.ts',
    );
    expect(errors).not.toEqual([]);
  });

  it('refuse a library importing a service', async () => {
    const errors = await boundaryErrors("import { x } from '@flotilla/image-svc';\nexport const y = x;\n", 'packages/kit/src/probe.ts');
    expect(errors).not.toEqual([]);
  });

  it('let a service use the libraries', async () => {
    const errors = await boundaryErrors(
      "import { runService } from '@flotilla/kit';\nimport { EngineError } from '@flotilla/proto';\nexport const y = [runService, EngineError];\n",
      'packages/build-svc/src/probe.ts',
    );
    expect(errors).toEqual([]);
  });
});

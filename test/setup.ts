// Every test file runs with test settings and its own scratch DATA_DIR (generated keys land there).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { resetEnvCache } from '@/lib/env';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'axs-test-'));
Object.assign(process.env, { NODE_ENV: 'test', DATA_DIR: dataDir });
resetEnvCache();

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

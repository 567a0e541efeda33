import { chmod, readFile, rm, writeFile } from 'node:fs/promises';

/**
 * Vault's default token helper: the token lives in one file (`~/.vault-token`), written with
 * mode 0600, read back with surrounding whitespace removed.
 */
export class TokenHelper {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** The stored token, or undefined when there is none. */
  async get(): Promise<string | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const token = text.trim();
    return token === '' ? undefined : token;
  }

  async store(token: string): Promise<void> {
    await writeFile(this.path, token.trim(), { mode: 0o600 });
    await chmod(this.path, 0o600);
  }

  async erase(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

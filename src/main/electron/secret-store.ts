/** SecretStore backed by Electron safeStorage (OS keychain / DPAPI / libsecret): only ciphertext on disk. */
import { safeStorage } from 'electron';
import { FileSecretStore, type SecretStore } from '../node/ports/secret-store.ts';

export class SafeStorageSecretStore implements SecretStore {
  private readonly files: FileSecretStore;
  constructor(dir: string) {
    this.files = new FileSecretStore(dir);
  }
  get(name: string): string | null {
    const b64 = this.files.get(name + '.enc');
    return b64 === null ? null : safeStorage.decryptString(Buffer.from(b64, 'base64'));
  }
  set(name: string, value: string): void {
    if (!safeStorage.isEncryptionAvailable()) throw new Error('OS secret storage is not available; the token was not saved');
    this.files.set(name + '.enc', safeStorage.encryptString(value).toString('base64'));
  }
  delete(name: string): void {
    this.files.delete(name + '.enc');
  }
}

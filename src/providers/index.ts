/** Lazy access to each provider's module, so a command loads only its own provider. */
import type { Provider } from '../config/providers.js';
import type { ProviderModule } from './types.js';

const loaders: Partial<Record<Provider, () => Promise<ProviderModule>>> = {
  openhim: async () => (await import('./openhim/client.js')).openhim,
  conductor: async () => (await import('./conductor/client.js')).conductor,
  close: async () => (await import('./close/client.js')).close,
  spaaza: async () => (await import('./spaaza/client.js')).spaaza,
};

export async function loadProvider(p: Provider): Promise<ProviderModule> {
  const load = loaders[p];
  if (!load) throw new Error(`provider ${p} has no client module`);
  return load();
}

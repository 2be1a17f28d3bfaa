/**
 * Opens an announcer by URI: `none` (default) or any scheme registered with `registerAnnouncerScheme`
 * (the GitHub `repository_dispatch` announcer registers `github:`). An unknown scheme is a configuration error.
 */
import { ConfigError } from '../../errors.js';
import type { Announcer } from './Announcer.js';
import { GithubDispatchAnnouncer } from './GithubDispatchAnnouncer.js';
import { NoneAnnouncer } from './NoneAnnouncer.js';

export type AnnouncerFactory = (uri: string) => Promise<Announcer> | Announcer;

const schemes = new Map<string, AnnouncerFactory>([
  ['none', () => new NoneAnnouncer()],
  ['github', (uri) => GithubDispatchAnnouncer.fromUri(uri)],
]);

/** `scheme` without the colon, e.g. `github`. */
export function registerAnnouncerScheme(scheme: string, factory: AnnouncerFactory): void {
  schemes.set(scheme, factory);
}

export async function openAnnouncer(uri: string = 'none'): Promise<Announcer> {
  return factoryFor(uri)(uri);
}

/** Throws a ConfigError when no announcer is registered for the URI's scheme (the CLI checks flags with it up front). */
export function checkAnnouncerUri(uri: string): void {
  factoryFor(uri);
}

function factoryFor(uri: string): AnnouncerFactory {
  const scheme = uri === 'none' || uri === '' ? 'none' : /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
  const factory = scheme === undefined ? undefined : schemes.get(scheme);
  if (!factory) {
    throw new ConfigError(`unknown announcer "${uri}" (known: ${[...schemes.keys()].map((s) => (s === 'none' ? 'none' : `${s}:…`)).join(', ')})`, { context: { uri } });
  }
  return factory;
}

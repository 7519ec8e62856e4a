import { EngineError } from '@flotilla/proto';
import { hostArchitecture } from '@flotilla/kit';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}


/** The platform this engine runs containers for, named the way image configs name it. */
export function hostPlatform(): Platform {
  return { os: 'linux', architecture: hostArchitecture() };
}

/** `linux/arm64/v8`; empty means the host's platform. */
export function parsePlatform(text: string): Platform {
  if (text.trim() === '') return hostPlatform();
  const [os, architecture, variant, extra] = text.trim().toLowerCase().split('/');
  if (!os || !architecture || extra !== undefined) throw EngineError.invalid(`invalid platform "${text}": expected os/arch[/variant]`);
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** arm64 images usually leave out the variant v8 they imply. */
function normalVariant(p: Platform): string | undefined {
  return p.architecture === 'arm64' && p.variant === 'v8' ? undefined : p.variant;
}

/** Whether an index entry for `candidate` can run where `wanted` is asked for. */
export function platformMatches(candidate: Platform, wanted: Platform): boolean {
  if (candidate.os !== wanted.os || candidate.architecture !== wanted.architecture) return false;
  return wanted.variant === undefined || normalVariant(candidate) === normalVariant(wanted);
}

/** The entry of an index or manifest list for the platform wanted, if it has one. */
export function platformEntry<Entry extends { platform?: Platform }>(entries: readonly Entry[], wanted: Platform): Entry | undefined {
  return entries.find((entry) => entry.platform && platformMatches(entry.platform, wanted));
}

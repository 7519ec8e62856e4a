import { EngineError } from '@flotilla/proto';

/**
 * The `filters` query parameter: JSON `{"label": ["a=b"]}`, or the legacy form clients still send,
 * `{"label": {"a=b": true}}`.
 */
export function parseFilters(raw: string | null): Record<string, string[]> {
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw EngineError.invalid(`invalid filters: ${raw}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw EngineError.invalid(`invalid filters: ${raw}`);
  const filters: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(parsed)) {
    if (Array.isArray(values) && values.every((v) => typeof v === 'string')) filters[name] = values;
    else if (typeof values === 'object' && values !== null) filters[name] = Object.entries(values).filter(([, on]) => on === true).map(([value]) => value);
    else throw EngineError.invalid(`invalid filter '${name}'`);
  }
  return filters;
}

/** The shape gRPC maps of filter values take. */
export function filterValues(filters: Record<string, string[]>): Record<string, { values: string[] }> {
  return Object.fromEntries(Object.entries(filters).map(([name, values]) => [name, { values }]));
}

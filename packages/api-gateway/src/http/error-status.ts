import type { ErrorKind } from '@flotilla/proto';

/** The one mapping from an engine error kind to the HTTP status Docker clients expect. */
export const httpStatusOfKind: Record<ErrorKind, number> = {
  'not-found': 404,
  invalid: 400,
  conflict: 409,
  'not-modified': 304,
  unauthorized: 401,
  forbidden: 403,
  unavailable: 503,
  'not-implemented': 501,
  internal: 500,
};

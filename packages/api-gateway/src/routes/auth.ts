import type { ServiceClient } from '@flotilla/proto';
import type { imageV1 } from '@flotilla/proto';
import type { Route } from '../http/router.js';
import { readJsonBody, sendJson } from '../http/responses.js';
import { normaliseAuth, type RegistryAuthConfig } from '../wire/registry-auth.js';

export type AuthBackend = Pick<ServiceClient<typeof imageV1.ImageService>, 'loginRegistry'>;

/** `docker login`: image-svc checks the credentials against the registry. */
export function authRoutes(backend: AuthBackend): Route[] {
  return [
    {
      method: 'POST',
      pattern: '/auth',
      async handle({ req, res }) {
        const config = (await readJsonBody<RegistryAuthConfig>(req)) ?? {};
        const { status, identityToken } = await backend.loginRegistry({ auth: normaliseAuth(config) });
        sendJson(res, 200, { Status: status, IdentityToken: identityToken });
      },
    },
  ];
}

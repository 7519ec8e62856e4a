import { EngineError } from '@flotilla/proto';
import { danglingPrefix, type CatalogImage } from './image-catalog.js';
import { familiarName, parseReference } from './reference.js';
import { shortId } from './short-id.js';

/** A container whose root filesystem comes from the image. */
export interface ImageUser {
  containerId: string;
  running: boolean;
}

export interface RemovalPlan {
  /** Canonical record names to delete. */
  untag: string[];
  /** Whether the image itself goes (its content and snapshots become garbage). */
  deleteImage: boolean;
}

const repositoryOf = (name: string) => {
  const ref = parseReference(name);
  return `${ref.domain}/${ref.path}`;
};

/**
 * What `docker rmi` does, as dockerd decides it. By name: untag it, and delete the image when
 * no other tag is left (taking its digest names along). By ID: remove every name and the image,
 * which needs force when the names span repositories. Containers using the image block the
 * deletion: stopped ones unless forced, running ones always (the name still goes when forced).
 */
export function planRemoval(image: CatalogImage, matchedName: string | undefined, users: ImageUser[], force: boolean): RemovalPlan {
  const id = shortId(image.id);
  const isTag = (name: string) => !name.startsWith(danglingPrefix) && !name.includes('@');
  const running = users.find((u) => u.running);
  const stopped = users.find((u) => !u.running);

  if (matchedName) {
    if (image.names.some((n) => n !== matchedName && isTag(n))) {
      // Digest names of a repository that keeps no tag go with its last tag.
      const repository = repositoryOf(matchedName);
      const repositoryKeepsTag = image.names.some((n) => n !== matchedName && isTag(n) && repositoryOf(n) === repository);
      const digestNames = isTag(matchedName) && !repositoryKeepsTag ? image.names.filter((n) => n.includes('@') && !n.startsWith(danglingPrefix) && repositoryOf(n) === repository) : [];
      return { untag: [matchedName, ...digestNames], deleteImage: false };
    }
    const user = running ?? stopped;
    if (user && !force) {
      throw EngineError.conflict(
        `conflict: unable to remove repository reference "${familiarName(parseReference(matchedName))}" (must force) - container ${shortId(user.containerId)} is using its referenced image ${id}`,
      );
    }
    // A running container keeps the image: only the name goes, and the image is left dangling.
    if (running) return { untag: [matchedName], deleteImage: false };
    // The last tag takes the image's digest names along.
    return { untag: image.names, deleteImage: true };
  }

  if (running) throw EngineError.conflict(`conflict: unable to delete ${id} (cannot be forced) - image is being used by running container ${shortId(running.containerId)}`);
  if (stopped && !force) throw EngineError.conflict(`conflict: unable to delete ${id} (must be forced) - image is being used by stopped container ${shortId(stopped.containerId)}`);
  const repositories = new Set(image.names.filter((n) => !n.startsWith(danglingPrefix)).map(repositoryOf));
  if (repositories.size > 1 && !force) throw EngineError.conflict(`conflict: unable to delete ${id} (must be forced) - image is referenced in multiple repositories`);
  return { untag: image.names, deleteImage: true };
}

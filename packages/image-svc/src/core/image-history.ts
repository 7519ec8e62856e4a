import type { CatalogImage } from './image-catalog.js';

/** One entry of an image config's history. */
export interface HistoryRecord {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface HistoryItem {
  id: string;
  created: Date;
  createdBy: string;
  tags: string[];
  size: number;
  comment: string;
}

/**
 * Pairs history entries with the layers they made (entries marked empty_layer made none), newest
 * first; only the newest entry is an image here, the others are `<missing>` as in dockerd.
 */
export function historyItems(history: HistoryRecord[], layerSizes: number[], image: Pick<CatalogImage, 'id' | 'repoTags' | 'created'>): HistoryItem[] {
  const entries = history.length ? history : layerSizes.map(() => ({}) as HistoryRecord);
  let layer = 0;
  const items = entries.map((entry) => ({
    id: '<missing>',
    created: entry.created ? new Date(entry.created) : image.created,
    createdBy: entry.created_by ?? '',
    tags: [] as string[],
    size: entry.empty_layer ? 0 : (layerSizes[layer++] ?? 0),
    comment: entry.comment ?? '',
  }));
  items.reverse();
  if (items.length) Object.assign(items[0], { id: image.id, tags: image.repoTags });
  return items;
}

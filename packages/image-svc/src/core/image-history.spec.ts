import { historyItems } from './image-history';

describe('historyItems', () => {
  const image = { id: 'sha256:top', repoTags: ['app:1'], created: new Date(3000) };

  it('gives layers to the entries that made them, newest first, the image on top', () => {
    const items = historyItems(
      [
        { created: '1970-01-01T00:00:01Z', created_by: 'ADD rootfs', comment: 'base' },
        { created: '1970-01-01T00:00:02Z', created_by: 'ENV A=1', empty_layer: true },
        { created: '1970-01-01T00:00:03Z', created_by: 'RUN touch /x' },
      ],
      [100, 7],
      image,
    );
    expect(items.map((i) => [i.id, i.createdBy, i.size, i.tags])).toEqual([
      ['sha256:top', 'RUN touch /x', 7, ['app:1']],
      ['<missing>', 'ENV A=1', 0, []],
      ['<missing>', 'ADD rootfs', 100, []],
    ]);
  });

  it('makes one entry per layer when the config has no history', () => {
    expect(historyItems([], [5, 6], image).map((i) => i.size)).toEqual([6, 5]);
  });
});

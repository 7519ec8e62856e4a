import { eventSubject } from './event-publisher';

describe('eventSubject', () => {
  it('puts type and action into the subject', () => {
    expect(eventSubject('container', 'die')).toBe('engine.events.container.die');
  });

  it('keeps subject tokens free of what NATS reserves', () => {
    expect(eventSubject('container', 'exec_start: sh -c true')).toBe('engine.events.container.exec_start');
    expect(eventSubject('image', 'a.b*c>d')).toBe('engine.events.image.a_b_c_d');
  });
});

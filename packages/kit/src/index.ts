export * from './config.js';
export * from './dependency-wait.js';
export * from './logger.js';
export * from './event-publisher.js';
export * from './event-feed.js';
export * from './service-runner.js';
export * from './health-check.js';
export * from './host-platform.js';

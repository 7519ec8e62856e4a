module.exports = { ...require('../../jest.preset.js'), displayName: 'build-svc', rootDir: __dirname };

module.exports = { ...require('../../jest.preset.js'), displayName: 'network-svc', rootDir: __dirname };

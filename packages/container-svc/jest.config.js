module.exports = { ...require('../../jest.preset.js'), displayName: 'container-svc', rootDir: __dirname };

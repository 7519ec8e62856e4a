module.exports = { ...require('../../jest.preset.js'), displayName: 'image-svc', rootDir: __dirname };

module.exports = { ...require('../../jest.preset.js'), displayName: 'containerd', rootDir: __dirname };

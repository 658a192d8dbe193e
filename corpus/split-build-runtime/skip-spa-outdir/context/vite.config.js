export default { build: { outDir: 'public/out' } }

"""The analysis floor: the build model, base-image references, shell analysis and the
semantics the codemods stand on."""

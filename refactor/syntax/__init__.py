"""The syntax floor: BuildKit's lexer and per-instruction rules, the lossless tree, the parser."""

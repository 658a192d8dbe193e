"""The engine floor: the codemod framework and the runner that applies and checks codemods."""

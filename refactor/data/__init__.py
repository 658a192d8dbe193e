"""Ecosystem knowledge as data tables: images, distributions, caches, runtimes.

Codemods read these tables instead of carrying their own conditionals, so that supporting a
new base image or package manager is a change of data.
"""

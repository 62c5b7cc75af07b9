"""Writes of the cases app, by part of the path: core, assessment, plan, work, rights."""

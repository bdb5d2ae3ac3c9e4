"""Figures and reports built from explain's outputs."""

from .tree_plot import draw_tree, tree_layout

__all__ = ["draw_tree", "tree_layout"]

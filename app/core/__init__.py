"""Pure NumPy core: no web framework, no Pydantic, no Pillow.

Arrays are channels-first: (C, H, W) for one image, (N, C, H, W) for a batch, (F, C, KH, KW) for
filters.
"""

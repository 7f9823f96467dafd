"""A small convolutional network in NumPy, trained live: layers, the network, training.

Every array of images is NCHW: (batch N, channels C, height H, width W); one example is C×H×W
and a vector layer's batch is (N, D). Parameters have PyTorch's shapes (conv F×C×k×k, linear
out×in), so a network here and its torch.nn twin take the same numbers.

- layers.py   one forward/backward pair per layer type, with its cache, and the loss
- network.py  a network from a list of layer specs: sizes checked, parameters counted and
              initialised, forward keeping every layer's output, backward layer by layer
- train.py    the optimisers of the optimiser lesson stepping the network on seeded batches
- state.py    the training state as an opaque, signed string (the server keeps nothing)
"""

"""cnnlab: an interactive, offline visualiser of convolutional networks and optimisers."""
